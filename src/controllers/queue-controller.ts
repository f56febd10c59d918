// The skeleton every queue-based controller shares (kube-controller-manager's pattern):
// informer handlers only queue keys, and a work queue syncs each key, one worker per key at a
// time, retrying failures with backoff. Keys are dropped until start(), which comes once the
// informers have synced and queues every key there is, so no sync sees a half-filled cache.

import type { Logger } from 'pino';
import type { KubeObject } from '../apis/types.js';
import { cacheKey, type Informer } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import { logRetry, ownerIn } from './controller-ref.js';

export interface QueueOptions {
  workers: number;
  /** The log field a failed key is reported under (`deployment`, `pod`, `uid`, ...). */
  keyField: string;
  /** The log message of a failed sync. */
  failure: string;
  /** The controller's own objects: each is queued when added or changed (and deleted, with
   *  `deletes`, for a sync that cleans up after it), and all of them by start(). */
  objects?: Informer;
  deletes?: boolean;
}

export abstract class QueueController {
  private readonly queue: WorkQueue;
  private started = false;
  private readonly objects?: Informer;

  protected constructor(log: Logger, o: QueueOptions) {
    this.queue = new WorkQueue((key) => this.sync(key), { workers: o.workers, onError: logRetry(log, o.keyField, o.failure) });
    this.objects = o.objects;
    o.objects?.on({ add: (obj) => this.enqueue(obj), update: (_old, obj) => this.enqueue(obj), delete: o.deletes ? (obj) => this.enqueue(obj) : undefined });
  }

  /** Brings one key's objects to where they should be; a throw retries it with backoff. */
  protected abstract sync(key: string): Promise<void>;

  /** Every key to look at when work starts: by default, every one of the controller's objects. */
  protected initialKeys(): Iterable<string> {
    return (this.objects?.list() ?? []).map(cacheKey);
  }

  /** Starts working; the informers must have synced. */
  start(): void | Promise<void> {
    this.started = true;
    for (const key of this.initialKeys()) this.queue.add(key);
  }

  stop(): void {
    this.started = false;
    this.queue.stop();
  }

  /** Resolves when nothing is queued or running (tests). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Queues a key, after `afterMs` when given; dropped before start() (start queues all). */
  protected enqueueKey(key: string, afterMs = 0): void {
    if (!this.started) return;
    if (afterMs > 0) this.queue.addAfter(key, afterMs);
    else this.queue.add(key);
  }

  /** Queues the object of `owners` (of `kind`) that owns each object `owned` adds, changes or deletes. */
  protected queueOwners(owned: Informer, owners: Informer, kind: string): void {
    const changed = (obj: KubeObject): void => {
      const owner = ownerIn(owners, kind, obj);
      if (owner) this.enqueue(owner);
    };
    owned.on({ add: changed, update: (_old, obj) => changed(obj), delete: changed });
  }

  /** Queues an object's namespace/name key. */
  protected enqueue(obj: KubeObject, afterMs = 0): void {
    this.enqueueKey(cacheKey(obj), afterMs);
  }
}
