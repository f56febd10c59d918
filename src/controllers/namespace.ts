// Namespace deletion (kube-controller-manager's namespace controller): when a namespace is
// terminating, delete everything in it; once it is empty, remove the `kubernetes` finalizer
// through the finalize subresource, and the namespace is gone.

import type { Logger } from 'pino';
import type { KubeObject } from '../apis/types.js';
import { StatusError } from '../util/status-errors.js';
import type { Rest } from '../api/rest/rest.js';
import { watch, type WatchHandle } from '../api/rest/watch.js';

/** How often terminating namespaces are looked at again (objects may wait on finalizers). */
const RETRY_MS = 1000;

export class NamespaceController {
  private handle?: WatchHandle;
  private timer?: NodeJS.Timeout;
  private readonly pending = new Set<string>();
  private running = false;

  constructor(private readonly rest: Rest, private readonly log: Logger) {}

  async start(): Promise<void> {
    const ns = this.rest.registry.lookup('', 'v1', 'namespaces')!;
    this.handle = await watch(this.rest, ns, undefined, {}, {
      event: (type, obj) => {
        if (type !== 'DELETED' && obj.metadata.deletionTimestamp) this.enqueue(obj.metadata.name!);
      },
      error: (status) => this.log.warn({ status }, 'namespace watch ended; restarting'),
    });
    this.timer = setInterval(() => void this.drain(), RETRY_MS);
  }

  stop(): void {
    this.handle?.cancel();
    clearInterval(this.timer);
  }

  private enqueue(name: string): void {
    this.pending.add(name);
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (const name of [...this.pending]) {
        try {
          if (await this.sync(name)) this.pending.delete(name);
        } catch (e) {
          this.log.warn({ err: e, namespace: name }, 'namespace cleanup failed; will retry');
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** True when the namespace is gone or not terminating. */
  private async sync(name: string): Promise<boolean> {
    const nsType = this.rest.registry.lookup('', 'v1', 'namespaces')!;
    let ns: KubeObject;
    try {
      ns = await this.rest.get(nsType, undefined, name);
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) return true;
      throw e;
    }
    if (!ns.metadata.deletionTimestamp) return true;
    let remaining = 0;
    for (const r of this.rest.registry.resources) {
      if (!r.type.namespaced || !r.type.verbs.includes('deletecollection')) continue;
      await this.rest.deleteCollection(r, name, {}, { propagationPolicy: 'Background' });
      remaining += (await this.rest.list(r, name, { limit: 1 })).items.length;
    }
    if (remaining > 0) return false;
    await this.rest.mutate(nsType, undefined, name, (cur) => ({ ...cur, spec: { ...cur.spec, finalizers: [] } }), {
      subresource: 'finalize',
      fieldManager: 'namespace-controller',
    });
    return true;
  }
}
