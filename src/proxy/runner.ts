// A bounded-frequency runner (kube-proxy's pkg/proxy/runner): run() asks for a sync; requests
// that arrive while one is due or running merge into one. Syncs are at least minInterval
// apart, at most maxInterval apart (a periodic resync), and a failed sync is retried after
// retryInterval. Never two at once.

import type { Clock, Timer } from '../util/clock.js';

export interface RunnerOptions {
  minIntervalMs: number;
  maxIntervalMs: number;
  retryIntervalMs: number;
  clock: Clock;
  /** Told about a failed run; the runner retries on its own. */
  onError?(err: unknown): void;
}

export class BoundedFrequencyRunner {
  private lastRun = -Infinity;
  private running = false;
  private requestedWhileRunning = false;
  private timer?: Timer;
  private timerAt = Infinity;
  private stopped = false;
  /** The run in progress, for stop() to wait on. */
  private inFlight?: Promise<void>;

  constructor(private readonly fn: () => Promise<void>, private readonly opts: RunnerOptions) {}

  /** Requests a run as soon as minInterval allows. */
  run(): void {
    if (this.stopped) return;
    if (this.running) {
      this.requestedWhileRunning = true;
      return;
    }
    this.scheduleAt(Math.max(this.opts.clock.now(), this.lastRun + this.opts.minIntervalMs));
  }

  /** No run starts after this; resolves once the one in progress (if any) ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    await this.inFlight;
  }

  /** Keeps the earliest of the scheduled and the requested time. */
  private scheduleAt(at: number): void {
    if (this.stopped || (this.timer && this.timerAt <= at)) return;
    this.timer?.cancel();
    this.timerAt = at;
    this.timer = this.opts.clock.after(at - this.opts.clock.now(), () => void this.tick());
  }

  private tick(): Promise<void> {
    this.inFlight = this.runOnce().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async runOnce(): Promise<void> {
    this.timer = undefined;
    this.timerAt = Infinity;
    this.running = true;
    this.lastRun = this.opts.clock.now();
    let next = this.lastRun + this.opts.maxIntervalMs;
    try {
      await this.fn();
    } catch (err) {
      this.opts.onError?.(err);
      next = Math.min(next, this.opts.clock.now() + this.opts.retryIntervalMs);
    }
    this.running = false;
    this.scheduleAt(next);
    if (this.requestedWhileRunning) {
      this.requestedWhileRunning = false;
      this.run();
    }
  }
}
