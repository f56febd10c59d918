// The loop every Service controller runs: keys from events are batched, then synced by a work
// queue (one sync per key at a time, retries with backoff). Keys are ignored until start(),
// which comes once the informers have synced, so no sync ever sees a half-filled cache.

import { WorkQueue } from '../../client/workqueue.js';
import { Batcher } from './batcher.js';

export interface SyncLoopOptions {
  workers: number;
  batchPeriodMs: number;
  onError(key: string, err: unknown): void;
}

export class SyncLoop {
  private readonly queue: WorkQueue;
  private readonly batch: Batcher;
  private running = false;

  constructor(sync: (key: string) => Promise<void>, opts: SyncLoopOptions) {
    this.queue = new WorkQueue(sync, { workers: opts.workers, onError: opts.onError });
    this.batch = new Batcher(this.queue, opts.batchPeriodMs);
  }

  /** Starts syncing, beginning with these keys. */
  start(keys: Iterable<string>): void {
    this.running = true;
    for (const k of keys) this.add(k);
  }

  add(key: string): void {
    if (this.running) this.batch.add(key);
  }

  addAfter(key: string, ms: number): void {
    if (this.running) this.queue.addAfter(key, ms);
  }

  stop(): void {
    this.running = false;
    this.batch.stop();
    this.queue.stop();
  }
}
