// `tinykube up --datastore-endpoint`: the whole program on a real etcd, driven by kubectl, a
// restart that finds everything again in etcd, and health endpoints and `kubectl get cs` that
// tell when etcd is gone.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Tinykube, EXAMPLES, eventually, rows } from './harness.js';
import { startEtcd, type EtcdCluster } from '../store/etcd-process.js';

describe('tinykube on etcd', () => {
  let etcd: EtcdCluster;
  let t: Tinykube;
  before(async () => {
    etcd = await startEtcd();
    t = await Tinykube.start(['--datastore-endpoint', etcd.endpoints.join(','), '--disable', 'node,proxy,dns']);
  });
  after(async () => {
    await t?.destroy();
    await etcd?.stop();
  });

  it('serves kubectl from etcd and keeps objects and allocations across a restart', async () => {
    assert.match(t.k(['apply', '-f', join(EXAMPLES, 'nodeport.yaml')]), /service\/my-nodeport created/);
    const before = JSON.parse(t.k('get svc my-nodeport -o json'));
    assert.equal(before.spec.ports[0].nodePort, 30008);
    // Nothing went to SQLite: the data dir holds no database.
    assert.equal(existsSync(join(t.dataDir, 'state.db')), false);
    await t.down('SIGTERM');
    await t.up();
    const again = JSON.parse(t.k('get svc my-nodeport -o json'));
    assert.equal(again.metadata.uid, before.metadata.uid);
    assert.equal(again.spec.clusterIP, before.spec.clusterIP);
    const taken = t.manifest('taken.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: taken\nspec:\n  type: NodePort\n  ports:\n    - port: 80\n      nodePort: 30008\n');
    assert.match(t.kubectl(['apply', '-f', taken]).stderr, /provided port is already allocated/);
  });

  it('reports its checks as kube-apiserver does, and the truth when etcd is gone', async () => {
    assert.equal(t.k(['get', '--raw', '/livez?verbose']), '[+]ping ok\n[+]etcd ok\nlivez check passed\n');
    assert.equal(t.k(['get', '--raw', '/readyz?verbose']), '[+]ping ok\n[+]etcd ok\n[+]informer-sync ok\n[+]shutdown ok\nreadyz check passed\n');
    assert.equal(t.k(['get', '--raw', '/healthz']), 'ok');
    assert.deepEqual(rows(t.k('get cs')), [
      ['scheduler', 'Healthy', 'ok'],
      ['controller-manager', 'Healthy', 'ok'],
      ['etcd-0', 'Healthy', '{"health":"true","reason":""}'],
    ]);
    const server = JSON.parse(t.k('config view --raw -o json')).clusters[0].cluster.server;
    const curl = (path: string): string => spawnSync('curl', ['-sk', '-m', '10', '-w', '\n%{http_code}', `${server}${path}`], { encoding: 'utf8' }).stdout;
    await etcd.members[0].kill();
    try {
      assert.equal(curl('/readyz'), '[+]ping ok\n[-]etcd failed: reason withheld\n[+]informer-sync ok\n[+]shutdown ok\nreadyz check failed\n\n500');
      assert.match(curl('/livez/etcd'), /^internal server error: .+\n\n500$/);
      assert.equal(curl('/livez?exclude=etcd'), 'ok\n200');
      const cs = Object.fromEntries(rows(t.k('get cs')).map((r) => [r[0], r.slice(1)]));
      assert.equal(cs['etcd-0'][0], 'Unhealthy');
      assert.ok(cs['etcd-0'][1], 'with the error');
    } finally {
      await etcd.members[0].restart();
    }
    await eventually(() => curl('/readyz') === 'ok\n200', 20_000, 'ready again with etcd back');
  });
});
