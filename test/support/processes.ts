// tinykube commands as real processes (`node dist/cli/main.js server|agent ...`) for fault tests
// and benchmarks: started here, ended by pid.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { endpointFromKubeconfig } from '../../src/client/https.js';
import { allStatFields } from '../../src/util/proc-stat.js';
import { eventually } from './eventually.js';

const MAIN = new URL('../../dist/cli/main.js', import.meta.url).pathname;

export interface Proc {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output: string;
}

export function startTinykube(args: string[]): Proc {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const p: Proc = { child, output: '' };
  child.stdout!.on('data', (d) => (p.output += d));
  child.stderr!.on('data', (d) => (p.output += d));
  return p;
}

/** Whether a process of this pid exists (signal 0 checks without sending). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every process below `pid` (children, theirs, ...), read from /proc now: a process whose
 *  parent has died is its reaper's, so take this before killing anything. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const [p, f] of allStatFields()) {
    const ppid = Number(f[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), p]);
  }
  const out: number[] = [];
  for (let todo = [pid]; todo.length; ) {
    const next = children.get(todo.pop()!) ?? [];
    out.push(...next);
    todo.push(...next);
  }
  return out;
}

/** Sends the signal (default SIGKILL) and waits for the exit. */
export async function kill(p: Proc | undefined, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill(signal);
  await exited;
}

export interface Server {
  proc: Proc;
  dir: string;
  kubeconfig: string;
  url: string;
  port: number;
}

/** `tinykube server` on DIR (port 0, or the given one), ready once its kubeconfig is written. */
export async function startServer(dir: string, args: string[], port = 0): Promise<Server> {
  const kubeconfig = join(dir, 'kubeconfig');
  rmSync(kubeconfig, { force: true });
  const proc = startTinykube(['server', '--data-dir', dir, '--api-port', String(port), ...args]);
  await eventually(() => {
    if (proc.child.exitCode !== null) throw new Error(`server ${dir} exited: ${proc.output}`);
    return existsSync(kubeconfig);
  }, 20_000, `server ${dir} to be ready`);
  const url = endpointFromKubeconfig(kubeconfig).server;
  return { proc, dir, kubeconfig, url, port: Number(new URL(url).port) };
}
