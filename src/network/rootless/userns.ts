// Running tinykube inside a user namespace that it creates and holds (the rootless network):
// util-linux's unshare makes a user namespace (the caller mapped to its root), a mount namespace
// and a PID namespace whose first process is tinykube itself. Every network namespace, mount and
// process made below belongs to it, so when that first process exits — stopped, crashed or
// killed — the kernel kills everything left in the PID namespace and frees the rest: nothing
// escapes and nothing is left behind. A lifeline (src/util/lifeline.ts) ties it to the process
// that started it: at its end (that process stopped or died) the inside stops.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { lifelineEnv } from '../../util/lifeline.js';

/** Set in the environment of the process started inside. */
export const INSIDE_ENV = 'TINYKUBE_USERNS';

export const insideUserns = (): boolean => process.env[INSIDE_ENV] === '1';

/** unshare's argv for running `argv` as the first process of the new namespaces. */
export function usernsArgv(argv: string[]): string[] {
  return ['unshare', '--user', '--map-root-user', '--mount', '--propagation', 'private', '--pid', '--fork', '--kill-child', '--mount-proc', '--', ...argv];
}

/** Starts `argv` inside new namespaces with the lifeline; the caller ends it to stop the inside.
 *  In a process group of its own, so a terminal's Ctrl-C reaches only the caller, which stops
 *  the inside gracefully instead of unshare dying and SIGKILLing it. */
export function spawnInUserns(argv: string[]): ChildProcess {
  const [cmd, ...args] = usernsArgv(argv);
  return spawn(cmd!, args, { stdio: ['ignore', 'inherit', 'inherit', 'pipe'], detached: true, env: { ...process.env, [INSIDE_ENV]: '1', ...lifelineEnv() } });
}

/** The host PID of the first process inside, given unshare's: its only child. */
export function firstInside(unsharePid: number): number | undefined {
  try {
    const pid = Number(readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8').trim().split(/\s+/)[0]);
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
