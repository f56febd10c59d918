// Commands run in the foreground until SIGINT (Ctrl-C) or SIGTERM. Listening starts before the
// command starts its parts, so a stop asked for while starting still cleans up what started.

export interface Stopping {
  /** Resolves at the first SIGINT or SIGTERM (or `also`). */
  done: Promise<void>;
  /** Aborted then: long waits while starting give up at once. */
  signal: AbortSignal;
}

/** `also`: another reason to stop (the rootless network's lifeline). */
export function onStop(also?: Promise<void>): Stopping {
  const abort = new AbortController();
  const done = new Promise<void>((resolve) => {
    const stop = (): void => {
      abort.abort(new Error('stopped while starting'));
      resolve();
    };
    // Still listening after the first: a repeated signal while stopping (a supervisor sending
    // SIGTERM again, a second Ctrl-C) would otherwise end the process at once, before it has
    // stopped what it started (a netns cluster's agents, its namespaces).
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    void also?.then(stop);
  });
  return { done, signal: abort.signal };
}
