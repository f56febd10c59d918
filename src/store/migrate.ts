// Copies one Store into another (`tinykube migrate`: a SQLite data dir into etcd): every key
// with its value byte for byte, as of one revision of the source. Stored values hold no
// revision (resourceVersion is the store's modRevision, set on the way out:
// src/api/rest/codec.ts), so objects come across whole — names, uids, creationTimestamps,
// managedFields — and only their resourceVersions change, to the target's revisions. The
// allocation reservations (ClusterIPs, NodePorts: src/apis/core/service/reservations.ts) are
// keys like any other, so nothing already handed out can be handed out again.
import { type KeyValue, type Store, StoreError } from './store.js';

export interface MigrateOptions {
  /** Creates in flight on the target (default 16). */
  concurrency?: number;
  /** Keys read per page of the source (default 500). */
  pageSize?: number;
}

export interface MigrateResult {
  keys: number;
  /** The source revision everything was read at. */
  sourceRevision: number;
  /** The target's revision once everything is written. */
  targetRevision: number;
}

/** Refuses (`exists`, nothing written) when the target holds any key: a copy merged into live
 *  data would mix two clusters' objects and reservations. Every write is a create, so a key
 *  that appears meanwhile fails the copy too. A failed copy deletes what it wrote (best effort;
 *  the error says what is left). */
export async function migrateStore(from: Store, to: Store, opts: MigrateOptions = {}): Promise<MigrateResult> {
  const present = await to.list('', { limit: 1 });
  if (present.items.length > 0) {
    const n = await to.count('');
    throw new StoreError('exists', `the target store is not empty: it holds ${n} key(s), first ${present.items[0]!.key}`);
  }
  const sourceRevision = await from.currentRevision();
  const written: KeyValue[] = [];
  try {
    for await (const page of pages(from, sourceRevision, opts.pageSize ?? 500)) {
      await forEachLimited(page, opts.concurrency ?? 16, async (kv) => void written.push(await to.create(kv.key, kv.value)));
    }
  } catch (err) {
    const left = await undo(to, written);
    const what = left === 0 ? 'the keys written were deleted again' : `${left} key(s) written could not be deleted: clear the target before retrying`;
    throw new Error(`migration failed after ${written.length} key(s): ${err instanceof Error ? err.message : String(err)}; ${what}`, { cause: err });
  }
  return { keys: written.length, sourceRevision, targetRevision: await to.currentRevision() };
}

/** Every key of the store at `revision`, a page at a time. */
async function* pages(store: Store, revision: number, limit: number): AsyncGenerator<KeyValue[]> {
  let startAfter: string | undefined;
  for (;;) {
    const page = await store.list('', { revision, limit, startAfter });
    if (page.items.length > 0) yield page.items;
    if (!page.more) return;
    startAfter = page.items[page.items.length - 1]!.key;
  }
}

/** Runs fn over items, `limit` at a time; on a failure takes no new item, and rejects once
 *  the calls in flight have settled (so that nothing is written behind the caller's back). */
async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      try {
        await fn(items[next++]!);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
}

/** Deletes what a failed copy wrote, unless changed since; how many keys are left. */
async function undo(to: Store, written: KeyValue[]): Promise<number> {
  let left = 0;
  for (const kv of written) {
    try {
      await to.delete(kv.key, kv.modRevision);
    } catch {
      left++;
    }
  }
  return left;
}
