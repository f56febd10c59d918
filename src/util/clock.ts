// Time for components with timers (node agent back-off and probes, proxy runner, affinity,
// drains): real timers in production; tests step a FakeClock (test/support/fake-clock.ts), not
// sleep.

export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls fn once after ms; cancel() stops it. */
  after(ms: number, fn: () => void): Timer;
}

export const realClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};
