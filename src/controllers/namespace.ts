// Namespace deletion (kube-controller-manager's namespace controller): when a namespace is
// terminating, delete everything in it; once it is empty, remove the `kubernetes` finalizer
// through the finalize subresource, and the namespace is gone. Namespaces come from an
// informer, which resumes or re-lists after any watch error, so no deletion is ever missed.

import type { Logger } from 'pino';
import type { Namespace } from '../apis/core/namespaces.js';
import { R, type Client, type ResourceId } from '../client/client.js';
import { Informer } from '../client/informer.js';
import { isNotFound } from './controller-ref.js';
import { QueueController } from './queue-controller.js';

/** How soon a namespace whose objects still wait (finalizers, grace periods) is looked at again. */
const RETRY_MS = 1000;

export interface NamespaceControllerOptions {
  client: Client;
  /** The namespaced resources to empty a namespace of (what discovery lists as deletable). */
  resources: ResourceId[];
  log: Logger;
}

export class NamespaceController extends QueueController {
  private readonly client: Client;
  private readonly namespaces: Informer<Namespace>;

  constructor(private readonly o: NamespaceControllerOptions) {
    super(o.log, { workers: 1, keyField: 'namespace', failure: 'namespace cleanup failed; will retry' });
    this.client = o.client;
    this.namespaces = new Informer<Namespace>(o.client, R.namespaces);
    const changed = (ns: Namespace): void => {
      if (ns.metadata.deletionTimestamp) this.enqueueKey(ns.metadata.name!);
    };
    this.namespaces.on({ add: changed, update: (_old, ns) => changed(ns) });
  }

  /** Lists and watches namespaces, then starts working. */
  override async start(): Promise<void> {
    await this.namespaces.start();
    super.start();
  }

  override stop(): void {
    super.stop();
    this.namespaces.stop();
  }

  protected override initialKeys(): string[] {
    return this.namespaces.list().filter((ns) => ns.metadata.deletionTimestamp).map((ns) => ns.metadata.name!);
  }

  protected async sync(name: string): Promise<void> {
    if (!this.namespaces.get(undefined, name)?.metadata.deletionTimestamp) return;
    let remaining = 0;
    for (const r of this.o.resources) remaining += await this.deleteAll(r, name);
    if (remaining > 0) return this.enqueueKey(name, RETRY_MS);
    let ns: Namespace;
    try {
      ns = await this.client.get<Namespace>(R.namespaces, undefined, name);
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    await this.client.update(R.namespaces, undefined, { ...ns, spec: { ...ns.spec, finalizers: [] } }, { subresource: 'finalize', fieldManager: 'namespace-controller' });
  }

  /** Deletes a resource's objects in the namespace; returns how many are left (still finalizing). */
  private async deleteAll(r: ResourceId, namespace: string): Promise<number> {
    const { items } = await this.client.list(r, namespace);
    const live = items.filter((o) => !o.metadata.deletionTimestamp);
    for (const o of live) {
      await this.client.delete(r, namespace, o.metadata.name!, { propagationPolicy: 'Background' }).catch((e: unknown) => {
        if (!isNotFound(e)) throw e;
      });
    }
    // Objects without finalizers or grace are gone at once: count what the deletes left.
    return live.length === 0 ? items.length : (await this.client.list(r, namespace, { limit: 1 })).items.length;
  }
}
