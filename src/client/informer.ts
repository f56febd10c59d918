// An informer: list, then watch from the list's resourceVersion, keep a cache, and tell
// handlers about every change with the old and the new object. When a watch ends (the server
// closed it, the connection broke, an HTTPS client moved to another API server) it watches
// again from the last resourceVersion it saw, so nothing is missed and nothing re-listed; on
// 410 Gone (compacted) it re-lists and reports the difference. It backs off while the API is
// unreachable. Each watch asks the server to end it after a random 5 to 10 minutes (client-go's
// reflector does the same), so a watch whose connection silently died is replaced in bounded
// time and watchers spread over servers again. No I/O happens before start().
// Cached objects drop metadata.managedFields, as the informers of kube-controller-manager and
// kube-scheduler do (TransformStripManagedFields): no handler reads them, they are often the
// largest part of an object, and an update without them keeps the stored ones.
// Indexes (client-go's Indexers) find cached objects by a computed value without a walk of the
// cache: the namespace always (list(namespace)), others as controllers add them (e.g. the pods
// of one controller uid), kept up to date before any handler is told.

import type { KubeObject } from '../apis/types.js';
import { StatusError } from '../util/status-errors.js';
import type { Client, ResourceId, Watch } from './client.js';

export interface InformerHandlers<T extends KubeObject> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  delete?(obj: T): void;
}

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Backoff bounds after a failed list or watch. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Each watch lasts between this and twice this (timeoutSeconds); default 300. */
  minWatchTimeoutSeconds?: number;
}

/** The values an object is found under in one index (none: not in it). */
export type IndexFunc<T extends KubeObject> = (obj: T) => readonly string[];

export function cacheKey(obj: KubeObject): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name!;
}

/** In place: the object is this informer's own copy. */
function stripManagedFields<T extends KubeObject>(obj: T): T {
  if (obj.metadata.managedFields) delete obj.metadata.managedFields;
  return obj;
}

const NAMESPACE_INDEX = 'namespace';

interface Index<T extends KubeObject> {
  /** A method, so an Informer<Pod> is still an Informer<KubeObject> (bivariant). */
  valuesOf(obj: T): readonly string[];
  /** value → objects by cache key, in the order they entered the cache. */
  byValue: Map<string, Map<string, T>>;
}

export class Informer<T extends KubeObject = KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly indexes = new Map<string, Index<T>>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private watch?: Watch;
  /** Where the next watch resumes; undefined: list first. */
  private resourceVersion?: string;
  private synced = false;
  private stopped = true;
  private backoff: number;
  private timer?: NodeJS.Timeout;
  private readonly syncWaiters: (() => void)[] = [];

  constructor(
    private readonly client: Client,
    readonly resource: ResourceId,
    private readonly opts: InformerOptions = {},
  ) {
    this.backoff = opts.minBackoffMs ?? 200;
    this.addIndex(NAMESPACE_INDEX, (o) => (o.metadata.namespace === undefined ? [] : [o.metadata.namespace]));
  }

  /** Adds an index (once per name: the controllers sharing an informer share it), filled from
   *  what is cached already. */
  addIndex(name: string, fn: IndexFunc<T>): void {
    if (this.indexes.has(name)) return;
    this.indexes.set(name, { valuesOf: fn, byValue: new Map() });
    for (const [key, obj] of this.cache) this.reindex(key, obj);
  }

  /** Cached objects an index files under value. */
  byIndex(name: string, value: string): T[] {
    const index = this.indexes.get(name);
    if (!index) throw new Error(`informer ${this.resource.resource}: no index ${name}`);
    return [...(index.byValue.get(value)?.values() ?? [])];
  }

  on(handlers: InformerHandlers<T>): this {
    this.handlers.push(handlers);
    return this;
  }

  /** Starts listing and watching; resolves once the first list is in the cache. */
  async start(): Promise<void> {
    this.stopped = false;
    void this.run();
    await this.waitForSync();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.watch?.cancel();
    this.watch = undefined;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(namespace ? `${namespace}/${name}` : name);
  }

  /** Cached objects, optionally of one namespace. */
  list(namespace?: string): T[] {
    return namespace === undefined ? [...this.cache.values()] : this.byIndex(NAMESPACE_INDEX, namespace);
  }

  /** Puts obj under key (undefined: removes it), in the cache and every index. */
  private store(key: string, obj: T | undefined): void {
    const old = this.cache.get(key);
    if (obj) this.cache.set(key, obj);
    else this.cache.delete(key);
    if (old || obj) this.reindex(key, obj, old);
  }

  /** An object staying under a value keeps its place there, so an index lists in cache order. */
  private reindex(key: string, obj: T | undefined, old?: T): void {
    for (const index of this.indexes.values()) {
      const { byValue } = index;
      const values = obj ? index.valuesOf(obj) : [];
      for (const v of old ? index.valuesOf(old) : []) {
        if (values.includes(v)) continue;
        const bucket = byValue.get(v);
        bucket?.delete(key);
        if (bucket && !bucket.size) byValue.delete(v);
      }
      for (const v of values) {
        let bucket = byValue.get(v);
        if (!bucket) byValue.set(v, (bucket = new Map()));
        bucket.set(key, obj!);
      }
    }
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    const { labelSelector, fieldSelector } = this.opts;
    try {
      if (this.resourceVersion === undefined) {
        const list = await this.client.list<T>(this.resource, this.opts.namespace, { labelSelector, fieldSelector });
        if (this.stopped) return;
        this.replace(list.items);
        this.resourceVersion = list.resourceVersion;
      }
      this.watch = await this.client.watch<T>(
        this.resource,
        this.opts.namespace,
        { resourceVersion: this.resourceVersion, labelSelector, fieldSelector, allowWatchBookmarks: true, timeoutSeconds: this.watchTimeoutSeconds() },
        {
          event: (type, obj) => this.apply(type, obj),
          end: (err) => this.ended(err, 0),
        },
      );
      this.backoff = this.opts.minBackoffMs ?? 200;
      if (this.stopped) this.watch.cancel();
    } catch (err) {
      this.ended(err, this.backoff);
      this.backoff = Math.min(this.backoff * 2, this.opts.maxBackoffMs ?? 10_000);
    }
  }

  private watchTimeoutSeconds(): number {
    const min = this.opts.minWatchTimeoutSeconds ?? 300;
    return Math.ceil(min * (1 + Math.random()));
  }

  /** A watch ended or could not start: resume, or re-list when the revision is gone. */
  private ended(err: unknown, delayMs: number): void {
    if (err instanceof StatusError && err.code === 410) this.resourceVersion = undefined;
    this.retry(delayMs);
  }

  private retry(delayMs: number): void {
    this.watch = undefined;
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), delayMs);
  }

  /** A fresh list: report what appeared, changed and vanished since the cache was filled. */
  private replace(items: T[]): void {
    const fresh = new Map(items.map((o) => [cacheKey(o), stripManagedFields(o)]));
    for (const [key, old] of this.cache) {
      if (!fresh.has(key)) {
        this.store(key, undefined);
        this.emit('delete', old);
      }
    }
    for (const [key, obj] of fresh) {
      const old = this.cache.get(key);
      this.store(key, obj);
      if (!old) this.emit('add', obj);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit('update', obj, old);
    }
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private apply(type: string, obj: T): void {
    this.resourceVersion = obj.metadata.resourceVersion ?? this.resourceVersion;
    if (type === 'BOOKMARK') return;
    const key = cacheKey(obj);
    const old = this.cache.get(key);
    if (type === 'DELETED') {
      this.store(key, undefined);
      this.emit('delete', old ?? obj);
      return;
    }
    this.store(key, stripManagedFields(obj));
    if (old) this.emit('update', obj, old);
    else this.emit('add', obj);
  }

  private emit(kind: 'add' | 'update' | 'delete', obj: T, old?: T): void {
    for (const h of this.handlers) {
      if (kind === 'add') h.add?.(obj);
      else if (kind === 'update') h.update?.(old!, obj);
      else h.delete?.(obj);
    }
  }
}
