// The Store on etcd's v3 API (see README.md beside this file). etcd's revisions are the store's
// revisions: a write is one transaction whose compare is the store's precondition (absent for
// create, modRevision for update and delete) and whose else-branch reads the key, so a failed
// write answers with the current value and moves no revision. Keys live under `prefix` so that
// several clusters can share one etcd (compaction, like the revision, is etcd-wide).
import { Etcd3, type IRangeRequest, type IRequestOp, type ICompare, type ITxnResponse } from 'etcd3';
import type { KeyValue, ListOptions, ListResult, Store, Watch, WatchOptions } from '../store.js';
import { StoreError } from '../store.js';
import { EtcdKeys } from './etcd-keys.js';
import { EtcdWatch, toKv } from './etcd-watch.js';

export interface EtcdStoreOptions {
  /** Namespace for every key, e.g. `/tinykube` (default: none). */
  prefix?: string;
  /** How long to wait for a connection to an endpoint (default 5 s). */
  dialTimeoutMs?: number;
  /** Deadline of each call (default 10 s, above etcd's own 7 s for a proposal a dying leader
   *  dropped), so that no store call waits forever on a member that stopped answering. */
  requestTimeoutMs?: number;
  /** How often the automatic compactor runs (default 5 minutes; 0 turns it off). Every server
   *  on one etcd may run it: a compaction another already made is a no-op. */
  compactIntervalMs?: number;
  /** Revisions the automatic compactor keeps behind the current one (default 1,000). */
  retainRevisions?: number;
  /** Where watch disconnections and compaction failures are reported (a pino logger fits). */
  logger?: EtcdStoreLogger;
}

export interface EtcdStoreLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const consoleLogger: EtcdStoreLogger = {
  warn: (obj, msg) => console.warn(`store: ${msg}`, obj),
  error: (obj, msg) => console.error(`store: ${msg}`, obj),
};

export async function openEtcdStore(endpoints: string[], opts: EtcdStoreOptions = {}): Promise<Store> {
  const timeout = opts.requestTimeoutMs ?? 10_000;
  // Attempts of each write (a transaction), by request: etcd3 retries a call that failed on one
  // endpoint on another, resolving the call options again for each attempt.
  const attempts = new WeakMap<object, number>();
  const client = new Etcd3({
    hosts: endpoints,
    dialTimeout: opts.dialTimeoutMs ?? 5_000,
    defaultCallOptions: (ctx) => {
      // Watches are streams and live as long as they are wanted.
      if (ctx.isStream) return {};
      if (ctx.service === 'KV' && ctx.method === 'txn') attempts.set(ctx.params, (attempts.get(ctx.params) ?? 0) + 1);
      return { deadline: Date.now() + timeout };
    },
  });
  const store = new EtcdStore(client, new EtcdKeys(opts.prefix ?? ''), opts.logger ?? consoleLogger, (req) => (attempts.get(req) ?? 0) > 1);
  try {
    await store.currentRevision();
  } catch (err) {
    await store.close();
    throw err;
  }
  const interval = opts.compactIntervalMs ?? 5 * 60_000;
  if (interval > 0) store.compactEvery(interval, opts.retainRevisions ?? 1_000);
  return store;
}

const COMPACTED = 'required revision has been compacted';
const FUTURE = 'required revision is a future revision';

class EtcdStore implements Store {
  private closed = false;
  /** A lower bound of etcd's compacted revision (etcd has no call that reads it). */
  private compacted = 0;
  private readonly watches = new Set<EtcdWatch>();
  private compactor?: NodeJS.Timeout;
  /** A single key to read when only a response header is wanted. */
  private readonly probe: Buffer;

  constructor(
    private readonly client: Etcd3,
    private readonly keys: EtcdKeys,
    private readonly log: EtcdStoreLogger,
    /** Whether the client made more than one attempt of this request. */
    private readonly retried: (req: object) => boolean,
  ) {
    this.probe = keys.encode('\u0000');
  }

  async currentRevision(): Promise<number> {
    const res = await this.range({ key: this.probe, count_only: true });
    return Number(res.header.revision);
  }

  /** etcd reads at a revision below its compacted one fail, and at or above it succeed: starting
   *  from the revision this store knows to be compacted, one read confirms it; when another client
   *  compacted further, a bisection up to the current revision finds the new one. */
  async compactedRevision(): Promise<number> {
    if (this.closed) throw new StoreError('closed', 'store closed');
    let low = Math.max(this.compacted, 1);
    if (await this.readableAt(low)) return this.compacted;
    let high = await this.currentRevision(); // readable: etcd never compacts past its head
    while (high - low > 1) {
      const mid = Math.floor((low + high) / 2);
      if (await this.readableAt(mid)) high = mid;
      else low = mid;
    }
    this.compacted = Math.max(this.compacted, high);
    return this.compacted;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const res = await this.range({ key: this.keys.encode(key) });
    return res.kvs[0] && toKv(this.keys, res.kvs[0]);
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const res = await this.range({ ...this.keys.after(prefix, opts.startAfter), limit, revision: opts.revision ?? 0 });
    const items = res.kvs.map((kv) => toKv(this.keys, kv));
    // A read at an older revision answers with the current revision in its header.
    const result: ListResult = { items, revision: opts.revision || Number(res.header.revision), more: res.more };
    // count is every key of the range at that revision, returned or not.
    if (res.more) result.remaining = Number(res.count) - items.length;
    return result;
  }

  async count(prefix: string): Promise<number> {
    return Number((await this.range({ ...this.keys.prefix(prefix), count_only: true })).count);
  }

  async create(key: string, value: string): Promise<KeyValue> {
    const k = this.keys.encode(key);
    const res = await this.txn(k, [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }], {
      request_put: { key: k, value: Buffer.from(value) },
    });
    if (!res.succeeded) {
      const current = this.current(res);
      // The client retried after an attempt whose endpoint died before answering, and that
      // attempt had landed: the key holds our own value, so the create is ours.
      if (res.retried && current?.value === value) return current;
      throw new StoreError('exists', `${key} already exists`, current);
    }
    const rev = Number(res.header.revision);
    return { key, value, createRevision: rev, modRevision: rev };
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    const k = this.keys.encode(key);
    const res = await this.txn(k, this.expect(k, expectedModRevision), {
      request_put: { key: k, value: Buffer.from(value), prev_kv: true },
    });
    this.check(key, res, expectedModRevision);
    const prev = res.responses[0]!.response_put.prev_kv;
    return { key, value, createRevision: Number(prev.create_revision), modRevision: Number(res.header.revision) };
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    const k = this.keys.encode(key);
    const res = await this.txn(k, this.expect(k, expectedModRevision), {
      request_delete_range: { key: k, prev_kv: true },
    });
    this.check(key, res, expectedModRevision);
    const prev = res.responses[0]!.response_delete_range.prev_kvs[0]!;
    return { ...toKv(this.keys, prev), modRevision: Number(res.header.revision) };
  }

  watch(prefix: string, opts: WatchOptions): Watch {
    const early = this.closed
      ? new StoreError('closed', 'store closed')
      : opts.afterRevision < this.compacted
        ? new StoreError('compacted', `revision ${opts.afterRevision} has been compacted (oldest kept: ${this.compacted})`, undefined, this.compacted)
        : undefined;
    if (early) {
      let cancelled = false;
      setImmediate(() => cancelled || opts.onError(early));
      return { cancel: () => void (cancelled = true) };
    }
    const deps = { client: this.client, keys: this.keys, compactedRevision: () => this.compactedRevision(), log: this.log };
    const w = new EtcdWatch(deps, prefix, opts, (ended) => this.watches.delete(ended));
    this.watches.add(w);
    return w;
  }

  async compact(revision: number): Promise<void> {
    if (revision <= this.compacted) return;
    try {
      // physical: return once the compaction is applied, so reads below it fail from now on.
      await this.call(() => this.client.kv.compact({ revision, physical: true }));
    } catch (err) {
      // Already compacted there or beyond (by another client): nothing to do.
      if (!(err instanceof StoreError && err.code === 'compacted')) throw err;
    }
    this.compacted = Math.max(this.compacted, revision);
  }

  /** Compacts to `retain` revisions behind the current one every `intervalMs`, as kine and
   *  kube-apiserver's compactor do (etcd's history would otherwise grow to its space quota). */
  compactEvery(intervalMs: number, retain: number): void {
    this.compactor = setInterval(() => {
      this.currentRevision()
        .then((rev) => (rev - retain > this.compacted ? this.compact(rev - retain) : undefined))
        .catch((err: unknown) => this.closed || this.log.error({ err }, 'automatic compaction failed'));
    }, intervalMs).unref();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.compactor);
    const watches = [...this.watches];
    for (const w of watches) w.fail(new StoreError('closed', 'store closed'));
    // Let etcd drop the watchers first (bounded: etcd may be unreachable), or the client would
    // see its stream end and try to re-attach them.
    const bound = new Promise((resolve) => setTimeout(resolve, 1_000).unref());
    await Promise.race([Promise.all(watches.map((w) => w.detached)), bound]);
    this.client.close();
  }

  /** Compares for update and delete: the key exists, and is at the expected revision if one is given. */
  private expect(k: Buffer, expectedModRevision: number | undefined): ICompare[] {
    const exists: ICompare = { key: k, target: 'Create', result: 'Greater', create_revision: 0 };
    if (expectedModRevision === undefined) return [exists];
    return [exists, { key: k, target: 'Mod', result: 'Equal', mod_revision: expectedModRevision }];
  }

  /** A failed update or delete: not-found or conflict. */
  private check(key: string, res: ITxnResponse, expectedModRevision: number | undefined): void {
    if (res.succeeded) return;
    const current = this.current(res);
    if (!current) throw new StoreError('not-found', `${key} not found`);
    throw new StoreError('conflict', `${key} is at revision ${current.modRevision}, not ${expectedModRevision}`, current);
  }

  /** The key as the else-branch of a failed transaction read it. */
  private current(res: ITxnResponse): KeyValue | undefined {
    const kv = res.responses[0]?.response_range.kvs[0];
    return kv && toKv(this.keys, kv);
  }

  private async txn(k: Buffer, compare: ICompare[], op: IRequestOp): Promise<ITxnResponse & { retried: boolean }> {
    const req = { compare, success: [op], failure: [{ request_range: { key: k } }] };
    const res = await this.call(() => this.client.kv.txn(req));
    return Object.assign(res, { retried: this.retried(req) });
  }

  private range(req: IRangeRequest) {
    return this.call(() => this.client.kv.range(req));
  }

  private async readableAt(revision: number): Promise<boolean> {
    try {
      await this.client.kv.range({ key: this.probe, count_only: true, revision });
      return true;
    } catch (err) {
      if (err instanceof Error && err.message.includes(COMPACTED)) return false;
      throw unavailable(err);
    }
  }

  /** Runs one etcd call, with etcd's errors as StoreErrors. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreError('closed', 'store closed');
    try {
      return await fn();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (message.includes(FUTURE)) throw new StoreError('future', message);
      if (!message.includes(COMPACTED)) throw unavailable(err);
      const at = await this.compactedRevision();
      throw new StoreError('compacted', `${message} (oldest kept: ${at})`, undefined, at);
    }
  }
}

function unavailable(err: unknown): StoreError {
  return new StoreError('unavailable', `etcd: ${err instanceof Error ? err.message : String(err)}`);
}
