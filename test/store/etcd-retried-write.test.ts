// A create whose endpoint dies after etcd applied it but before the answer came back: etcd3
// retries it, the retry finds the key, and the store must recognise its own value there rather
// than answer `exists` (which the API would turn into AlreadyExists for the caller's own create).
// A TCP proxy in front of a real etcd plays the dying endpoint.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, type Socket, connect, createServer } from 'node:net';
import { describe, it } from 'node:test';
import { openEtcdStore } from '../../src/store/etcd/etcd-store.js';
import { StoreError } from '../../src/store/store.js';
import { eventually } from '../support/eventually.js';
import { startEtcd } from './etcd-process.js';

const quiet = { warn: () => {}, error: () => {} };

/** Forwards to `target`; once armed, holds back etcd's answers on every open connection until
 *  cut() resets them. */
async function startProxy(target: string) {
  const { hostname, port } = new URL(target);
  const pairs = new Set<[Socket, Socket]>();
  let armed = false;
  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.pipe(upstream);
    upstream.on('data', (d: Buffer) => armed || client.write(d));
    const close = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arm: () => void (armed = true),
    /** Resets the connections held back, and forwards normally again. */
    cut: () => {
      for (const [client] of pairs) client.resetAndDestroy();
      armed = false;
    },
    close: () => {
      for (const [client] of pairs) client.destroy();
      server.close();
    },
  };
}

describe('etcd store: a write retried after its endpoint died', () => {
  it('a create that landed before the connection broke is the caller\'s, not `exists`', async () => {
    const etcd = await startEtcd();
    const proxy = await startProxy(etcd.endpoints[0]!);
    const direct = await openEtcdStore(etcd.endpoints, { logger: quiet });
    const viaProxy = await openEtcdStore([proxy.endpoint], { logger: quiet });
    try {
      proxy.arm();
      const created = viaProxy.create('/r/a', 'mine');
      await eventually(() => direct.get('/r/a'), 5_000, 'the create to land');
      proxy.cut();
      const kv = await created;
      assert.deepEqual(kv, await direct.get('/r/a'));
      // Someone else's key with another value is still `exists`, retried or not.
      await direct.create('/r/b', 'theirs');
      await assert.rejects(viaProxy.create('/r/b', 'mine'), (err: unknown) => err instanceof StoreError && err.code === 'exists');
    } finally {
      await Promise.all([direct.close(), viaProxy.close()]);
      proxy.close();
      await etcd.stop();
    }
  });
});
