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
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    void also?.then(stop);
  });
  return { done, signal: abort.signal };
}
