// Commands run in the foreground until SIGINT (Ctrl-C), SIGTERM or SIGHUP (the terminal closed),
// each a clean stop. Listening starts before the command starts its parts, so a stop asked for
// while starting still cleans up what started.

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
  const done = new Promise<void>((resolve) => {
    const stop = (signal?: NodeJS.Signals): void => {
      if (!abort.signal.aborted) {
        // After SIGHUP the terminal is gone (also for the rootless network's inside, which shares
        // it): a write to it fails with EIO, and must not end the stop half done.
        for (const s of [process.stdout, process.stderr]) s.on('error', () => {});
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
