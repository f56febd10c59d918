// Commands run in the foreground until SIGINT (Ctrl-C), SIGTERM or SIGHUP (the terminal closed),
// each a clean stop. Listening starts before the command starts its parts, so a stop asked for
// while starting still cleans up what started.

import { closeSync, openSync } from 'node:fs';
import { isatty } from 'node:tty';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface Stopping {
  /** Resolves at the first stop signal (or `also`). */
  done: Promise<void>;
  /** Aborted then: long waits while starting give up at once. */
  signal: AbortSignal;
  /** What the stop waits for now: told to a user who signals again. */
  waitingFor(what: string): void;
}

/** `also`: another reason to stop (the rootless network's lifeline). */
export function onStop(also?: Promise<void>): Stopping {
  const abort = new AbortController();
  let waiting = 'its parts to stop';
  let told = '';
  const terminals = [0, 1, 2].filter((fd) => isatty(fd));
  const done = new Promise<void>((resolve) => {
    const stop = (signal?: NodeJS.Signals): void => {
      detachHungUp(terminals);
      if (!abort.signal.aborted) {
        abort.abort(new Error('stopped while starting'));
        resolve();
        return;
      }
      // A repeated signal while stopping (a second Ctrl-C, a supervisor's SIGTERM again) does
      // not cut the stop short: that would leave what it started (a netns cluster's agents, its
      // namespaces) behind. The stop is bounded instead; say what it waits for, once a step.
      if (signal && told !== waiting) {
        told = waiting;
        process.stderr.write(`tinykube: still stopping, waiting for ${waiting}\n`);
      }
    };
    for (const s of STOP_SIGNALS) process.on(s, stop);
    void also?.then(() => stop());
  });
  return { done, signal: abort.signal, waitingFor: (what) => (waiting = what) };
}

/** After SIGHUP the terminal is gone (also for the rootless network's inside, which shares it):
 *  its descriptors fail with EIO. Writes must not end the stop half done, and Node 20 aborts at
 *  exit when it cannot restore a terminal's mode (nodejs/node#51519, fixed in later Nodes), so
 *  a descriptor that was a terminal and no longer is gets /dev/null in its place; Node then
 *  leaves it alone at exit (not the file it saw at start). */
function detachHungUp(terminals: number[]): void {
  for (const s of [process.stdout, process.stderr]) if (s.listenerCount('error') === 0) s.on('error', () => {});
  for (const fd of terminals.filter((t) => !isatty(t))) {
    terminals.splice(terminals.indexOf(fd), 1);
    closeSync(fd);
    const spare = openSync('/dev/null', 'r+');
    // Another thread took the lowest free slot meanwhile: leave that descriptor as it is.
    if (spare !== fd) closeSync(spare);
  }
}
