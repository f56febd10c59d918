// A Store that encrypts the values under some key prefixes on the way in and decrypts them on
// the way out (kube-apiserver's storage transformers, one chain per resource). Everything
// else passes through; the wrapped store only ever sees ciphertext for those keys, so a copy
// of it (`tinykube migrate`) stays encrypted.

import { StoreError, type KeyValue, type ListOptions, type ListResult, type Store, type Watch, type WatchEvent, type WatchOptions } from '../store.js';
import type { TransformerChain } from './providers.js';

export interface EncryptionRule {
  /** A storage key prefix, ending in `/` (or a whole key). */
  prefix: string;
  chain: TransformerChain;
}

export class EncryptingStore implements Store {
  constructor(
    private readonly inner: Store,
    private readonly rules: EncryptionRule[],
  ) {}

  private chainFor(key: string): TransformerChain | undefined {
    return this.rules.find((r) => key.startsWith(r.prefix))?.chain;
  }

  private in(key: string, value: string): string {
    return this.chainFor(key)?.encrypt(value, key) ?? value;
  }

  private out(kv: KeyValue): KeyValue;
  private out(kv: KeyValue | undefined): KeyValue | undefined;
  private out(kv: KeyValue | undefined): KeyValue | undefined {
    const chain = kv && this.chainFor(kv.key);
    if (!kv || !chain) return kv;
    const { value, stale } = chain.decrypt(kv.value, kv.key);
    return stale ? { ...kv, value, stale } : { ...kv, value };
  }

  currentRevision(): Promise<number> {
    return this.inner.currentRevision();
  }

  compactedRevision(): Promise<number> {
    return this.inner.compactedRevision();
  }

  async get(key: string): Promise<KeyValue | undefined> {
    return this.out(await this.inner.get(key));
  }

  async list(prefix: string, opts?: ListOptions): Promise<ListResult> {
    const r = await this.inner.list(prefix, opts);
    return { ...r, items: r.items.map((kv) => this.out(kv)) };
  }

  count(prefix: string): Promise<number> {
    return this.inner.count(prefix);
  }

  async create(key: string, value: string): Promise<KeyValue> {
    try {
      return { ...(await this.inner.create(key, this.in(key, value))), value };
    } catch (e) {
      throw this.outError(e);
    }
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    try {
      return { ...(await this.inner.update(key, this.in(key, value), expectedModRevision)), value };
    } catch (e) {
      throw this.outError(e);
    }
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    try {
      return this.out(await this.inner.delete(key, expectedModRevision));
    } catch (e) {
      throw this.outError(e);
    }
  }

  watch(prefix: string, opts: WatchOptions): Watch {
    return this.inner.watch(prefix, {
      ...opts,
      onEvents: (events) =>
        opts.onEvents(events.map((e): WatchEvent => ({ ...e, kv: this.out(e.kv), ...(e.prev ? { prev: this.out(e.prev) } : {}) }))),
    });
  }

  compact(revision: number): Promise<void> {
    return this.inner.compact(revision);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** A conflict carries the current value, which the caller decodes. */
  private outError(e: unknown): unknown {
    return e instanceof StoreError && e.current ? new StoreError(e.code, e.message, this.out(e.current), e.compactRevision) : e;
  }
}
