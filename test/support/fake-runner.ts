// A ProcessRunner for tests: records what was started; a test ends a process with exit().

import type { ProcessExit, ProcessHandle, ProcessRunner, ProcessSpec } from '../../src/node/runtime/process-runner.js';

export interface FakeProcess {
  spec: ProcessSpec;
  pid: number;
  signals: NodeJS.Signals[];
  exit(e: ProcessExit): void;
  running: boolean;
}

export class FakeRunner implements ProcessRunner {
  readonly started: FakeProcess[] = [];
  private nextPid = 1000;
  /** How a process answers a signal; by default SIGTERM and SIGKILL end it (143, 137). */
  onSignal: (p: FakeProcess, sig: NodeJS.Signals) => void = (p, sig) => {
    if (sig === 'SIGTERM') p.exit({ exitCode: 143 });
    if (sig === 'SIGKILL') p.exit({ exitCode: 137 });
  };

  start(spec: ProcessSpec): ProcessHandle {
    let resolve!: (e: ProcessExit) => void;
    const exited = new Promise<ProcessExit>((r) => (resolve = r));
    const p: FakeProcess = {
      spec,
      pid: this.nextPid++,
      signals: [],
      running: true,
      exit: (e) => {
        if (!p.running) return;
        p.running = false;
        resolve(e);
      },
    };
    this.started.push(p);
    return {
      pid: p.pid,
      exited,
      signal: (sig) => {
        if (!p.running) return;
        p.signals.push(sig);
        this.onSignal(p, sig);
      },
    };
  }

  /** The processes of one container, oldest first. */
  of(container: string): FakeProcess[] {
    return this.started.filter((p) => p.spec.logPath.includes(`/${container}/`));
  }
}
