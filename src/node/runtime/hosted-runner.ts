// Built-in-image containers run in the node's image host (images/image-host.ts), one process for
// all of them; every other container is a process of its own (the inner runner). The host is
// started with the first such container and kept; if it dies (kill -9, a crash) every container
// it hosted exits with its signal's code, and the pod workers restart them (a new host starts
// with the first). Its pid is every hosted container's "main pid": the resource metrics share
// its memory among them (resource-usage.ts), and it is in the process ledger as a group.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { constants } from 'node:os';
import type { Logger } from 'pino';
import type { HostReply, HostRequest, HostedStart } from '../images/image-host.js';
import { serverEnv } from '../images/spec.js';
import type { ProcessLedger } from './process-ledger.js';
import type { ProcessExit, ProcessHandle, ProcessRunner, ProcessSpec } from './process-runner.js';

/** What the host is told of a container beside its ProcessSpec; and what to do once it has
 *  exited (end the process exec started to hold its volumes, mount-holder.ts). */
export type HostedContainer = Pick<HostedStart, 'spec' | 'netns' | 'podName' | 'cpuPath'> & { exited?: () => void };

/** How often `up`'s log tells the host's memory and the containers it holds. */
const REPORT_MS = 60_000;

export interface HostedRunnerOptions {
  /** The host's command line (resolve.ts's scriptArgv of images/image-host). */
  argv: string[];
  /** The host's own output (not a container's). */
  logPath: string;
  ledger: ProcessLedger;
  log: Logger;
}

interface Host {
  child: ChildProcess;
  /** Requests made in this turn of the loop, sent together at its end: a thousand pods starting
   *  at once cost a few writes to the host's channel, not one each. */
  outbox: HostRequest[];
  /** Each running container's exit, and its pod's directory (to count pods). */
  waiting: Map<number, { done: (e: ProcessExit) => void; pod: string }>;
}

function rssMiB(pid: number | undefined): number {
  try {
    return Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 102.4) / 10;
  } catch {
    return 0;
  }
}

export class HostedRunner implements ProcessRunner {
  private host?: Host;
  private nextId = 1;
  private readonly reporter: NodeJS.Timeout;

  constructor(private readonly inner: ProcessRunner, private readonly opts: HostedRunnerOptions) {
    this.reporter = setInterval(() => this.report(), REPORT_MS).unref();
  }

  start(spec: ProcessSpec): ProcessHandle {
    if (!spec.hosted) return this.inner.start(spec);
    const host = this.host ?? (this.host = this.spawnHost());
    const id = this.nextId++;
    // The host makes the container's directories and log, and records its log's times.
    const pod = dirname(dirname(spec.logPath));
    const hostExit = new Promise<ProcessExit>((done) => host.waiting.set(id, { done, pod }));
    const { exited: release, ...hosted } = spec.hosted;
    const req: HostRequest = { op: 'start', id, env: serverEnv(hosted.spec, spec.env), cwd: spec.cwd, logPath: spec.logPath, ...hosted };
    this.send(host, req);
    let gone = false;
    const exited = hostExit.then((e) => {
      gone = true;
      release?.();
      return e;
    });
    return {
      pid: host.child.pid,
      exited,
      signal: (sig) => {
        if (gone || !host.child.connected) return;
        this.send(host, { op: 'signal', id, sig: sig === 'SIGKILL' ? 'SIGKILL' : 'SIGTERM' });
      },
    };
  }

  private send(host: Host, req: HostRequest): void {
    if (host.outbox.push(req) > 1) return;
    setImmediate(() => {
      const batch = host.outbox.splice(0);
      if (host.child.connected) host.child.send(batch);
    });
  }

  /** Ends the host (its containers are stopped already, or die with it). */
  async close(): Promise<void> {
    clearInterval(this.reporter);
    const host = this.host;
    if (!host || host.child.exitCode !== null || host.child.signalCode !== null) return;
    const gone = new Promise((r) => host.child.once('exit', r));
    host.child.kill('SIGKILL');
    await gone;
  }

  private spawnHost(): Host {
    const { argv, logPath, ledger, log } = this.opts;
    mkdirSync(dirname(logPath), { recursive: true });
    const fd = openSync(logPath, 'a');
    let child: ChildProcess;
    try {
      child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', fd, fd, 'ipc'] });
    } finally {
      closeSync(fd);
    }
    const host: Host = { child, outbox: [], waiting: new Map() };
    const pid = child.pid;
    if (pid !== undefined) ledger.add(pid);
    child.on('message', (r: HostReply) => {
      host.waiting.get(r.id)?.done({ exitCode: r.exitCode });
      host.waiting.delete(r.id);
    });
    child.once('exit', (code, signal) => {
      if (pid !== undefined) ledger.remove(pid);
      if (this.host === host) this.host = undefined;
      const exitCode = signal ? 128 + constants.signals[signal] : (code ?? 255);
      if (host.waiting.size) log.warn({ pid, code, signal, containers: host.waiting.size }, 'the built-in image host exited; its containers are restarted');
      for (const w of host.waiting.values()) w.done({ exitCode });
      host.waiting.clear();
    });
    child.once('error', (err) => {
      // Only a failed spawn emits 'error' without 'exit'.
      if (pid !== undefined) return;
      log.error({ err }, 'could not start the built-in image host');
      if (this.host === host) this.host = undefined;
      for (const w of host.waiting.values()) w.done({ exitCode: 128, startError: `built-in image host: ${err.message}` });
      host.waiting.clear();
    });
    log.info({ pid, log: logPath }, 'built-in image host started');
    return host;
  }

  private report(): void {
    const host = this.host;
    if (!host) return;
    const pods = new Set([...host.waiting.values()].map((w) => w.pod)).size;
    this.opts.log.info({ pid: host.child.pid, rssMiB: rssMiB(host.child.pid), pods, containers: host.waiting.size }, 'built-in image host');
  }
}
