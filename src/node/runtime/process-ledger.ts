// The process groups this agent has running, on disk, so that an agent that died without
// stopping its pods (SIGKILL, a crash) kills what they left behind when it starts again. A
// group is killed only when its leader is still the very process that was started (same start
// time in /proc), so a reused pid is never hit.

import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readStatFields, statFields } from '../../util/proc-stat.js';
import type { ProcessRunner } from './process-runner.js';

/** The start time in a process's /proc/PID/stat (clock ticks since boot, field 22). */
export const statStartTime = (stat: string): string | undefined => statFields(stat)[19];

/** The start time of a process (clock ticks since boot). */
export const processStartTime = (pid: number): string | undefined => readStatFields(pid)?.[19];

export class ProcessLedger {
  constructor(private readonly dir: string) {}

  add(pid: number): void {
    const start = processStartTime(pid);
    if (start === undefined) return;
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, String(pid)), start);
  }

  remove(pid: number): void {
    rmSync(join(this.dir, String(pid)), { force: true });
  }

  /** Kills the groups a previous run left; returns their pids. */
  killLeftovers(): number[] {
    let entries: string[];
    try {
      entries = readdirSync(this.dir);
    } catch {
      return [];
    }
    const killed: number[] = [];
    for (const name of entries) {
      const pid = Number(name);
      const recorded = readFileSync(join(this.dir, name), 'utf8');
      if (Number.isInteger(pid) && pid > 1 && processStartTime(pid) === recorded) {
        try {
          process.kill(-pid, 'SIGKILL');
          killed.push(pid);
        } catch {
          // Gone meanwhile.
        }
      }
      this.remove(pid);
    }
    return killed;
  }
}

/** The ledger of the node agent keeping its files in `dataDir`. */
export const nodeLedger = (dataDir: string): ProcessLedger => new ProcessLedger(join(dataDir, 'node', 'processes'));

/** A runner that keeps the ledger up to date. */
export function ledgeredRunner(inner: ProcessRunner, ledger: ProcessLedger): ProcessRunner {
  return {
    start(spec) {
      const h = inner.start(spec);
      const pid = h.pid;
      if (pid !== undefined) {
        ledger.add(pid);
        void h.exited.then(() => ledger.remove(pid));
      }
      return h;
    },
  };
}
