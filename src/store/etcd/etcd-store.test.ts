import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import { startEtcd, type EtcdCluster } from '../../../test/store/etcd-process.js';
import { storeContract } from '../../../test/store/contract.js';
import { StoreError } from '../store.js';
import { openEtcdStore } from './etcd-store.js';
import { eventually } from '../../../test/support/eventually.js';

// One etcd for the whole file; each case gets a store with a key prefix of its own.
let etcd: Promise<EtcdCluster> | undefined;
const cluster = () => (etcd ??= startEtcd({ progressNotifyInterval: '100ms' }));
after(async () => {
  if (etcd) await (await etcd).stop();
});

storeContract('etcd', async () => {
  const { endpoints } = await cluster();
  // A call past its deadline is retried, and a retried create that had landed answers `exists`
  // (see README.md): a long deadline keeps a loaded test machine's etcd stall from looking so.
  const store = await openEtcdStore(endpoints, { prefix: `/tinykube-${randomUUID()}`, requestTimeoutMs: 30_000 });
  return { store, close: () => store.close() };
});

describe('etcd store', () => {
  const open = async (prefix = `/tinykube-${randomUUID()}`) => openEtcdStore((await cluster()).endpoints, { prefix });

  it('keeps clusters with different prefixes apart on one etcd', async () => {
    const [a, b] = [await open(), await open()];
    await a.create('/registry/x', 'a');
    await b.create('/registry/x', 'b');
    await b.create('/registry/y', 'b');
    assert.deepEqual((await a.list('/')).items.map((kv) => [kv.key, kv.value]), [['/registry/x', 'a']]);
    assert.equal(await b.count('/'), 2);
    await Promise.all([a.close(), b.close()]);
  });

  it('finds a compaction another client made', async () => {
    const [a, b] = [await open(), await open()];
    const kv = await a.create('/k', '1');
    const at = (await a.update('/k', '2', kv.modRevision)).modRevision;
    await a.compact(at);
    // b never compacted: it must find etcd's compacted revision by itself.
    assert.equal(await b.compactedRevision(), at);
    const err = await b.list('/', { revision: kv.modRevision }).catch((e: unknown) => e);
    assert.ok(err instanceof StoreError && err.code === 'compacted');
    assert.equal(err.compactRevision, at);
    const errors: StoreError[] = [];
    const fresh = await open(); // knows nothing yet: the error comes through etcd's cancel
    fresh.watch('/', { afterRevision: kv.modRevision - 1, onEvents: () => {}, onError: (e) => errors.push(e) });
    await eventually(() => errors.length > 0);
    assert.equal(errors[0]!.code, 'compacted');
    assert.equal(errors[0]!.compactRevision, at);
    await Promise.all([a.close(), b.close(), fresh.close()]);
  });

  it("moves a quiet watch's progress past writes elsewhere (etcd's progress notifications)", async () => {
    const s = await open();
    const progress: number[] = [];
    const w = s.watch('/quiet/', {
      afterRevision: await s.currentRevision(),
      onEvents: () => assert.fail('nothing is written under /quiet/'),
      onError: (e) => assert.fail(e),
      progressNotifyMs: 20,
      onProgress: (r) => progress.push(r),
    });
    const elsewhere = await s.create('/busy/a', 'x');
    await eventually(() => progress.some((r) => r >= elsewhere.modRevision));
    w.cancel();
    await s.close();
  });

  it('the automatic compactor keeps retainRevisions behind the current revision', async () => {
    const s = await openEtcdStore((await cluster()).endpoints, { prefix: `/${randomUUID()}`, compactIntervalMs: 10, retainRevisions: 10 });
    let rev = (await s.create('/a', '0')).modRevision;
    for (let i = 1; i <= 30; i++) rev = (await s.update('/a', String(i), rev)).modRevision;
    await eventually(async () => (await s.compactedRevision()) === rev - 10);
    assert.equal((await s.get('/a'))!.value, '30');
    await s.close();
  });

  it('close ends watches with closed and refuses further calls', async () => {
    const s = await open();
    const errors: StoreError[] = [];
    s.watch('/', { afterRevision: await s.currentRevision(), onEvents: () => {}, onError: (e) => errors.push(e) });
    await s.close();
    assert.deepEqual(errors.map((e) => e.code), ['closed']);
    await assert.rejects(s.get('/a'), (err: StoreError) => err.code === 'closed');
    await assert.rejects(s.create('/a', 'x'), (err: StoreError) => err.code === 'closed');
  });

  it('refuses to open on an endpoint where nothing answers, with unavailable', async () => {
    const srv = createServer().listen(0, '127.0.0.1');
    await once(srv, 'listening');
    const { port } = srv.address() as AddressInfo;
    srv.close(); // the port is free and closed: connections are refused
    await assert.rejects(openEtcdStore([`http://127.0.0.1:${port}`], { dialTimeoutMs: 200 }), (err: StoreError) => err.code === 'unavailable');
  });

  it('the test helper says how to install etcd when it is missing', async () => {
    await assert.rejects(startEtcd({ binary: '/nonexistent/etcd' }), /apt-get install -y etcd-server/);
  });
});

