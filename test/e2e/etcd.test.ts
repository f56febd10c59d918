// `tinykube up --datastore-endpoint`: the whole program on a real etcd, driven by kubectl, and
// a restart that finds everything again in etcd.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Tinykube, EXAMPLES } from './harness.js';
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
});
