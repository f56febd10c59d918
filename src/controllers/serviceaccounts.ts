// The ServiceAccounts controller (kube-controller-manager's serviceaccount-controller): every
// active namespace has a `default` ServiceAccount; one deleted is made again.

import type { Logger } from 'pino';
import type { Namespace } from '../apis/core/namespaces.js';
import { DEFAULT_SERVICE_ACCOUNT, type ServiceAccount } from '../apis/core/serviceaccounts.js';
import { R, type Client } from '../client/client.js';
import { Informer } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import { isConflict, logRetry } from './controller-ref.js';

export async function startServiceAccountsController(client: Client, log: Logger): Promise<{ stop(): void }> {
  const namespaces = new Informer<Namespace>(client, R.namespaces);
  const accounts = new Informer<ServiceAccount>(client, R.serviceAccounts, { fieldSelector: `metadata.name=${DEFAULT_SERVICE_ACCOUNT}` });
  const queue = new WorkQueue(
    async (ns) => {
      const n = namespaces.get(undefined, ns);
      if (!n || n.metadata.deletionTimestamp || accounts.get(ns, DEFAULT_SERVICE_ACCOUNT)) return;
      try {
        await client.create(R.serviceAccounts, ns, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace: ns } });
      } catch (e) {
        // Created meanwhile (the cache lags the store), or the namespace is going or gone.
        if (!isConflict(e) && ![403, 404].includes((e as { code?: number }).code ?? 0)) throw e;
      }
    },
    { onError: logRetry(log, 'namespace', 'could not create the default ServiceAccount') },
  );
  namespaces.on({ add: (n) => queue.add(n.metadata.name!), update: (_, n) => queue.add(n.metadata.name!) });
  accounts.on({ delete: (sa) => queue.add(sa.metadata.namespace!) });
  await Promise.all([namespaces.start(), accounts.start()]);
  // Handlers of the initial lists ran before the other informer had synced: look at all again.
  for (const n of namespaces.list()) queue.add(n.metadata.name!);
  return {
    stop() {
      queue.stop();
      namespaces.stop();
      accounts.stop();
    },
  };
}
