// Collects keys for a short period and hands them to a work queue together, so a burst of
// events (a Deployment's pods turning Ready one after another) costs one sync per key.

import type { WorkQueue } from '../../client/workqueue.js';

export class Batcher {
  private readonly pending = new Set<string>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly queue: WorkQueue, private readonly periodMs: number) {}

  add(key: string): void {
    this.pending.add(key);
    this.timer ??= setTimeout(() => this.flush(), this.periodMs);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.pending.clear();
  }

  private flush(): void {
    this.timer = undefined;
    for (const key of this.pending) this.queue.add(key);
    this.pending.clear();
  }
}
