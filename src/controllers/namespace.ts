// Namespace deletion (kube-controller-manager's namespace controller): when a namespace is
// terminating, delete everything in it; once it is empty, remove the `kubernetes` finalizer
// through the finalize subresource, and the namespace is gone. Namespaces come from an
// informer, which resumes or re-lists after any watch error, so no deletion is ever missed.

import type { Logger } from 'pino';
import type { Namespace } from '../apis/core/namespaces.js';
import { R, type Client, type ResourceId } from '../client/client.js';
import { Informer } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import { isNotFound, logRetry } from './controller-ref.js';

/** How soon a namespace whose objects still wait (finalizers, grace periods) is looked at again. */
const RETRY_MS = 1000;

export interface NamespaceControllerOptions {
  client: Client;
  /** The namespaced resources to empty a namespace of (what discovery lists as deletable). */
  resources: ResourceId[];
  log: Logger;
}

export class NamespaceController {
  private readonly client: Client;
  private readonly namespaces: Informer<Namespace>;
  private readonly queue: WorkQueue;
  private started = false;

  constructor(private readonly o: NamespaceControllerOptions) {
    this.client = o.client;
    this.namespaces = new Informer<Namespace>(o.client, R.namespaces);
    this.queue = new WorkQueue((name) => this.sync(name), { onError: logRetry(o.log, 'namespace', 'namespace cleanup failed; will retry') });
    const changed = (ns: Namespace): void => {
      if (this.started && ns.metadata.deletionTimestamp) this.queue.add(ns.metadata.name!);
    };
    this.namespaces.on({ add: changed, update: (_old, ns) => changed(ns) });
  }

  async start(): Promise<void> {
    await this.namespaces.start();
    this.started = true;
    for (const ns of this.namespaces.list()) if (ns.metadata.deletionTimestamp) this.queue.add(ns.metadata.name!);
  }

  stop(): void {
    this.queue.stop();
    this.namespaces.stop();
  }

  private async sync(name: string): Promise<void> {
    if (!this.namespaces.get(undefined, name)?.metadata.deletionTimestamp) return;
    let remaining = 0;
    for (const r of this.o.resources) remaining += await this.deleteAll(r, name);
    if (remaining > 0) return this.queue.addAfter(name, RETRY_MS);
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
