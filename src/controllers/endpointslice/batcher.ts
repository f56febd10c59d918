// Collects keys for a short period and hands them to a work queue together, so a burst of
// events (a Deployment's pods turning Ready one after another) costs one sync per key.

import type { WorkQueue } from '../../client/workqueue.js';

export class Batcher {
  private readonly pending = new Set<string>();
  /** Cancels the scheduled flush, while one is scheduled. */
  private cancel?: () => void;

  constructor(private readonly queue: WorkQueue, private readonly periodMs: number) {}

  add(key: string): void {
    this.pending.add(key);
    if (this.cancel) return;
    if (this.periodMs > 0) {
      const t = setTimeout(() => this.flush(), this.periodMs);
      this.cancel = () => clearTimeout(t);
    } else {
      // No period: what this turn of the event loop brought, without a timer's millisecond.
      const i = setImmediate(() => this.flush());
      this.cancel = () => clearImmediate(i);
    }
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
    this.pending.clear();
  }

  private flush(): void {
    this.cancel = undefined;
    for (const key of this.pending) this.queue.add(key);
    this.pending.clear();
  }
}
