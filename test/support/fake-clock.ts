// A Clock for tests: time moves only when the test says so, so timers are stepped, not slept.

import type { Clock, Timer } from '../../src/util/clock.js';

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
}

/** Time moves only in advance(); due timers fire in order of their due time. */
export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private pending: Pending[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  after(ms: number, fn: () => void): Timer {
    const p: Pending = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.pending.push(p);
    return { cancel: () => (this.pending = this.pending.filter((x) => x !== p)) };
  }

  /** Moves time forward by ms, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (let due = this.takeDue(end); due; due = this.takeDue(end)) due.fn();
    this.t = end;
  }

  /** As advance(), letting the promises each timer starts settle before the next fires. */
  async advanceSettled(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const due = this.takeDue(end);
      if (!due) break;
      due.fn();
    }
    this.t = end;
    await settle();
  }

  /** Removes and returns the earliest timer due by `end`, moving time to it. */
  private takeDue(end: number): Pending | undefined {
    const due = this.pending.filter((p) => p.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
    if (!due) return undefined;
    this.pending = this.pending.filter((p) => p !== due);
    this.t = Math.max(this.t, due.at);
    return due;
  }

  /** Timers waiting (tests). */
  get waiting(): number {
    return this.pending.length;
  }
}

/** Lets queued promise callbacks run. */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));
