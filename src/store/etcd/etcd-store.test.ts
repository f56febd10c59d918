import { randomUUID } from 'node:crypto';
import { after } from 'node:test';
import { startEtcd, type EtcdCluster } from '../../../test/store/etcd-process.js';
import { storeContract } from '../contract.js';
import { openEtcdStore } from './etcd-store.js';

// One etcd for the whole file; each case gets a store with a key prefix of its own.
let etcd: Promise<EtcdCluster> | undefined;
const cluster = () => (etcd ??= startEtcd({ progressNotifyInterval: '100ms' }));
after(async () => {
  if (etcd) await (await etcd).stop();
});

storeContract('etcd', async () => {
  const { endpoints } = await cluster();
  const store = await openEtcdStore(endpoints, { prefix: `/tinykube-${randomUUID()}` });
  return { store, close: () => store.close() };
});
