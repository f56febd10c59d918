// `tinykube migrate` end to end: a control plane on SQLite makes Services (ClusterIP, NodePort,
// LoadBalancer) and a Lease, the command copies its data dir's store into a real etcd, and a
// control plane on etcd with the same data dir serves the very same objects and hands out
// nothing twice.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { HttpsClient } from '../../src/client/https.js';
import { R } from '../../src/client/client.js';
import type { Service } from '../../src/apis/core/service/types.js';
import type { KubeObject } from '../../src/apis/types.js';
import { openEtcdStore } from '../../src/store/etcd/etcd-store.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { type EtcdCluster, startEtcd } from './etcd-process.js';
import { eventually } from '../support/eventually.js';
import { startTestControlPlane, type TestControlPlane } from './control-plane.js';

const ROOT = join(import.meta.dirname, '..', '..');
const PREFIX = '/tinykube';
const quiet = { warn: () => {}, error: () => {} };

/** Runs `tinykube migrate ARGS` from the sources. */
function tinykube(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), ...args], { cwd: ROOT });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('tinykube migrate: a SQLite data dir into etcd', () => {
  let etcd: EtcdCluster;
  let dataDir: string;
  let running: TestControlPlane | undefined;
  let client: HttpsClient | undefined;
  const start = async (endpoints?: string[]) => {
    running = await startTestControlPlane(dataDir, {
      datastoreEndpoints: endpoints,
      datastorePrefix: PREFIX,
      // 6 addresses: small enough to fill, so a double hand-out could not hide.
      serviceCIDR: '127.96.0.0/29',
      nodePortRange: { min: 30000, max: 30009 },
      lbPools: ['127.240.9.1-127.240.9.2'],
    });
    return (client = running.client);
  };
  const stop = async () => {
    await running?.stop();
    running = client = undefined;
  };
  const service = (name: string, spec: Service['spec']) =>
    client!.create<Service>(R.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec } as KubeObject);
  const withoutVersion = (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tinykube-migrate-'));
    etcd = await startEtcd();
  });
  after(async () => {
    await stop();
    await etcd?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps objects and allocations, refuses a second copy, and hands out nothing twice', async () => {
    // On SQLite: three Services and a Lease.
    const c = await start();
    await service('plain', { ports: [{ port: 80 }] });
    await service('np', { type: 'NodePort', ports: [{ port: 80, nodePort: 30005 }] });
    await service('lb', { type: 'LoadBalancer', ports: [{ port: 80 }] });
    await c.create(R.leases, 'default', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'cfg' }, spec: { holderIdentity: 'ü' } } as KubeObject);
    await eventually(async () => (await c.get<Service>(R.services, 'default', 'lb')).status?.loadBalancer?.ingress?.length, 10_000, 'an LB address');
    const before = (await c.list<Service>(R.services)).items;
    const cfg = await c.get(R.leases, 'default', 'cfg');
    const args = ['migrate', '--from', dataDir, '--to', etcd.endpoints.join(','), '--prefix', PREFIX];
    // Not while a server holds the store, and not from a dir that has none.
    const busy = await tinykube(args);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /is a tinykube still running on .*\? stop it first/);
    const none = await tinykube(['migrate', '--from', join(dataDir, 'nothing'), '--to', etcd.endpoints[0]!]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /nothing\/state\.db not found: --from takes the data dir of a tinykube that ran on SQLite/);
    await stop();

    const migrated = await tinykube(args);
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stdout, /Copied \d+ keys from .*state\.db/);

    // Every key, reservations included, is in etcd byte for byte.
    const sqlite = await openSqliteStore(join(dataDir, 'state.db'), { compactIntervalMs: 0, logger: quiet });
    const etcdStore = await openEtcdStore(etcd.endpoints, { prefix: PREFIX, compactIntervalMs: 0, logger: quiet });
    try {
      const pairs = async (s: typeof etcdStore, prefix = '') => (await s.list(prefix)).items.map((kv) => [kv.key, kv.value]);
      assert.deepEqual(await pairs(etcdStore), await pairs(sqlite));
      assert.equal((await pairs(etcdStore, '/registry/tinykube/ipaddresses/')).length, 4); // kubernetes, plain, np, lb
      assert.equal((await pairs(etcdStore, '/registry/tinykube/nodeports/')).length, 2); // np's 30005, lb's

      // A second copy into the same prefix is refused and writes nothing.
      const revision = await etcdStore.currentRevision();
      const again = await tinykube(args);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /etcd prefix "\/tinykube" is in use \(the target store is not empty: .*\); nothing was written/);
      assert.equal(await etcdStore.currentRevision(), revision);
    } finally {
      await Promise.all([sqlite.close(), etcdStore.close()]);
    }

    // On etcd, same data dir (same CA and token): the same objects, only resourceVersions differ.
    const e = await start(etcd.endpoints);
    const after = (await e.list<Service>(R.services)).items;
    assert.deepEqual(after.map(withoutVersion), before.map(withoutVersion));
    assert.deepEqual(withoutVersion(await e.get(R.leases, 'default', 'cfg')), withoutVersion(cfg));

    // New Services fill the rest of the range without reusing an address, port or LB address.
    const used = new Set(before.map((s) => s.spec!.clusterIP));
    for (let i = 0; ; i++) {
      const created = await service(`new-${i}`, { ports: [{ port: 80 }] }).catch((err: Error) => err);
      if (created instanceof Error) {
        assert.match(created.message, /range is full/);
        break;
      }
      assert.ok(!used.has(created.spec!.clusterIP), `${created.spec!.clusterIP} handed out twice`);
      used.add(created.spec!.clusterIP);
    }
    assert.equal(used.size, 6);
    await e.delete(R.services, 'default', 'new-0');
    await assert.rejects(service('np2', { type: 'NodePort', ports: [{ port: 80, nodePort: 30005 }] }), /provided port is already allocated/);
    await service('lb2', { type: 'LoadBalancer', ports: [{ port: 80 }] });
    await eventually(async () => (await e.get<Service>(R.services, 'default', 'lb2')).status?.loadBalancer?.ingress?.length, 10_000, 'an LB address');
    const lbIPs = await Promise.all(['lb', 'lb2'].map(async (n) => (await e.get<Service>(R.services, 'default', n)).status!.loadBalancer!.ingress![0]!.ip));
    assert.notEqual(lbIPs[0], lbIPs[1]);
  });
});
