// The ConfigMaps or Secrets this node's pods reference, each watched on its own (a list and
// watch with `metadata.name=NAME` in its namespace), as the kubelet's watch-based managers do:
// the Node authorizer lets a node read only what its pods reference, never a whole kind.

import type { KubeObject } from '../apis/types.js';
import type { Client, ResourceId } from '../client/client.js';
import { Informer, type InformerHandlers } from '../client/informer.js';

/** How long a new reference may take to be read before its pod goes on without it (a refused
 *  or slow read: the pod's volume set-up then fails and retries, as a missing object does). */
const FIRST_READ_MS = 10_000;

export class ReferencedObjects<T extends KubeObject> {
  private readonly informers = new Map<string, Informer<T>>();
  private readonly handlers: InformerHandlers<T>[] = [];

  constructor(
    private readonly client: Client,
    private readonly resource: ResourceId,
  ) {}

  on(handlers: InformerHandlers<T>): this {
    this.handlers.push(handlers);
    return this;
  }

  get(namespace: string, name: string): T | undefined {
    return this.informers.get(`${namespace}/${name}`)?.get(namespace, name);
  }

  /** Each watched key and how many pods hold it. */
  private readonly holders = new Map<string, number>();

  /** A pod references these `namespace/name` keys: the new ones are watched; resolves once they
   *  are read. Each pod holds its keys once and lets go of them with release(), so a pod's set-up
   *  costs its own references, not a walk over every pod of the node. */
  async hold(keys: readonly string[]): Promise<void> {
    const reads: Promise<void>[] = [];
    for (const key of keys) {
      const n = this.holders.get(key) ?? 0;
      this.holders.set(key, n + 1);
      if (n > 0) continue;
      const slash = key.indexOf('/');
      const informer = new Informer<T>(this.client, this.resource, { namespace: key.slice(0, slash), fieldSelector: `metadata.name=${key.slice(slash + 1)}` });
      for (const h of this.handlers) informer.on(h);
      this.informers.set(key, informer);
      reads.push(informer.start());
    }
    if (!reads.length) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(reads), new Promise<void>((resolve) => (timer = setTimeout(resolve, FIRST_READ_MS)))]);
    clearTimeout(timer);
  }

  /** A pod that held these keys is gone: a key no pod holds any more is no longer watched. */
  release(keys: readonly string[]): void {
    for (const key of keys) {
      const n = (this.holders.get(key) ?? 0) - 1;
      if (n > 0) {
        this.holders.set(key, n);
        continue;
      }
      this.holders.delete(key);
      this.informers.get(key)?.stop();
      this.informers.delete(key);
    }
  }

  stop(): void {
    for (const informer of this.informers.values()) informer.stop();
    this.informers.clear();
    this.holders.clear();
  }
}
