// Runs a container as a host process in its own process group (loopback runtime): the group
// is what gets signalled, so a shell's children stop with it, and whatever the main process
// leaves behind is killed when it exits, as a container's cgroup would be. stdout and stderr
// are appended to the container's log file by the kernel (no pipe through the agent), so a
// chatty container costs the agent little: a watcher notes when the file grows, which gives the
// lines their times (log-times.ts).

import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { dirname } from 'node:path';
import { constants } from 'node:os';
import { watchLogTimes } from '../log-times.js';
import type { HostedContainer } from './hosted-runner.js';
import { allStatFields } from '../../util/proc-stat.js';

export interface ProcessSpec {
  argv: string[];
  env: Record<string, string>;
  cwd?: string;
  logPath: string;
  /** A built-in image's container, for the node's image host (hosted-runner.ts); the other
   *  runners run argv. */
  hosted?: HostedContainer;
}

export interface ProcessExit {
  /** 128 + signal number when a signal ended it; 128 when it could not start. */
  exitCode: number;
  /** Why it could not start (exec error), if so. */
  startError?: string;
}

export interface ProcessHandle {
  pid?: number;
  exited: Promise<ProcessExit>;
  /** Signals the whole process group; no-op once it is gone. */
  signal(sig: NodeJS.Signals): void;
}

export interface ProcessRunner {
  start(spec: ProcessSpec): ProcessHandle;
}

export function signalGroup(pid: number | undefined, sig: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, sig);
  } catch {
    // ESRCH: the group is gone already.
  }
}

/** Pids of the live (not zombie) members of a process group, from /proc. */
export function groupMembers(pgid: number): number[] {
  return [...allStatFields()].filter(([, [state, , pgrp]]) => Number(pgrp) === pgid && state !== 'Z' && state !== 'X').map(([pid]) => pid);
}

/** Kills what is left of a group and waits until none of it runs (SIGKILL lands in moments). */
async function killGroup(pgid: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    signalGroup(pgid, 'SIGKILL');
    if (!groupMembers(pgid).length) return;
    await sleep(5);
  }
}

export const hostProcessRunner: ProcessRunner = {
  start(spec) {
    mkdirSync(dirname(spec.logPath), { recursive: true });
    if (spec.cwd) mkdirSync(spec.cwd, { recursive: true });
    const fd = openSync(spec.logPath, 'a');
    let child;
    try {
      child = spawn(spec.argv[0], spec.argv.slice(1), { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    const pid = child.pid;
    let gone = pid === undefined;
    const times = watchLogTimes(spec.logPath);
    const exited = new Promise<ProcessExit>((resolve) => {
      child.once('error', (err: NodeJS.ErrnoException) => {
        // Only a failed spawn emits 'error' without 'exit'.
        if (pid !== undefined) return;
        const startError = `exec: "${spec.argv[0]}": ${err.code === 'ENOENT' ? 'no such file or directory' : err.message}`;
        appendFileSync(spec.logPath, startError + '\n');
        times.stop();
        resolve({ exitCode: 128, startError });
      });
      child.once('exit', (code, signal) => {
        // Kill what the main process left in its group; later signals could hit a reused pid.
        gone = true;
        void killGroup(pid!).then(() => {
          times.stop();
          resolve({ exitCode: code ?? 128 + (signal ? constants.signals[signal] : 0) });
        });
      });
    });
    return {
      pid,
      exited,
      signal: (sig) => {
        if (!gone) signalGroup(pid, sig);
      },
    };
  },
};
