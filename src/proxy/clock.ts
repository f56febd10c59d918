// Time as the proxy sees it: the runner, session affinity, drains and UDP idle timeouts all
// read it through this interface so tests can drive them with FakeClock instead of sleeping.

export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds, monotonic enough for intervals. */
  now(): number;
  setTimer(fn: () => void, ms: number): Timer;
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimer(fn, ms) {
    // Unref'd: a pending sync or drain never keeps the process alive on its own.
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};
