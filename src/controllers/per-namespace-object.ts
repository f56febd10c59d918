// One object every active namespace has, made again when deleted: kube-controller-manager's
// serviceaccount-controller (the `default` ServiceAccount) and root-ca-cert-publisher (the
// `kube-root-ca.crt` ConfigMap that pods' token volumes project the cluster CA from).

import type { Logger } from 'pino';
import type { Namespace } from '../apis/core/namespaces.js';
import type { KubeObject } from '../apis/types.js';
import { R, type Client, type ResourceId } from '../client/client.js';
import { Informer } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import { isConflict, logRetry } from './controller-ref.js';

export interface PerNamespaceObject {
  resource: ResourceId;
  name: string;
  /** The object (without metadata) to create in a namespace. */
  make(): Omit<KubeObject, 'metadata'>;
}

export async function startPerNamespaceController(client: Client, log: Logger, o: PerNamespaceObject): Promise<{ stop(): void }> {
  const namespaces = new Informer<Namespace>(client, R.namespaces);
  const objects = new Informer(client, o.resource, { fieldSelector: `metadata.name=${o.name}` });
  const queue = new WorkQueue(
    async (ns) => {
      const n = namespaces.get(undefined, ns);
      if (!n || n.metadata.deletionTimestamp || objects.get(ns, o.name)) return;
      try {
        await client.create(o.resource, ns, { ...o.make(), metadata: { name: o.name, namespace: ns } });
      } catch (e) {
        // Created meanwhile (the cache lags the store), or the namespace is going or gone.
        if (!isConflict(e) && ![403, 404].includes((e as { code?: number }).code ?? 0)) throw e;
      }
    },
    { onError: logRetry(log, 'namespace', `could not create ${o.resource.resource} ${o.name}`) },
  );
  namespaces.on({ add: (n) => queue.add(n.metadata.name!), update: (_, n) => queue.add(n.metadata.name!) });
  objects.on({ delete: (obj) => queue.add(obj.metadata.namespace!) });
  await Promise.all([namespaces.start(), objects.start()]);
  // Handlers of the initial lists ran before the other informer had synced: look at all again.
  for (const n of namespaces.list()) queue.add(n.metadata.name!);
  return {
    stop() {
      queue.stop();
      namespaces.stop();
      objects.stop();
    },
  };
}

export const defaultServiceAccount: PerNamespaceObject = {
  resource: R.serviceAccounts,
  name: 'default',
  make: () => ({ apiVersion: 'v1', kind: 'ServiceAccount' }),
};

export const rootCaConfigMap = (caCert: string): PerNamespaceObject => ({
  resource: R.configMaps,
  name: 'kube-root-ca.crt',
  make: () => ({ apiVersion: 'v1', kind: 'ConfigMap', data: { 'ca.crt': caCert } }),
});
