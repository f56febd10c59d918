// A Clock for tests: time moves only when advance() is called, and due timers fire in order.

import type { Clock, Timer } from './clock.js';

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
}

export class FakeClock implements Clock {
  private t = 0;
  private seq = 0;
  private timers = new Set<Pending>();

  now(): number {
    return this.t;
  }

  setTimer(fn: () => void, ms: number): Timer {
    const p = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.add(p);
    return { cancel: () => this.timers.delete(p) };
  }

  /** Moves time forward, firing due timers and letting the promises they start settle. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const next = [...this.timers].filter((p) => p.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.timers.delete(next);
      this.t = next.at;
      next.fn();
    }
    this.t = end;
    await settle();
  }

  pendingTimers(): number {
    return this.timers.size;
  }
}

/** Lets queued promise callbacks run. */
export const settle = (): Promise<void> => new Promise((r) => setImmediate(r));
