// The example app a Service tutorial builds (examples/three-tier): a database with its init
// script from a ConfigMap and its data on a claim, a backend with probes, a frontend on a
// NodePort — applied in one `kubectl apply -f DIR/`, every pod Ready, each tier reached through
// its Service.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EXAMPLES, Tinykube, eventually, rows } from './harness.js';

describe('a three-tier example app in one kubectl apply -f DIR/', () => {
  let t: Tinykube;
  before(async () => {
    t = await Tinykube.start();
  });
  after(async () => {
    await t?.destroy();
  });

  it('applies every object at once and brings every pod to Ready', async () => {
    const out = t.k(['apply', '-f', join(EXAMPLES, 'three-tier') + '/']);
    for (const line of [
      'deployment.apps/backend created',
      'service/backend created',
      'configmap/db-init created',
      'persistentvolumeclaim/db-data created',
      'deployment.apps/database created',
      'service/database created',
      'deployment.apps/frontend created',
      'service/frontend created',
    ]) {
      assert.ok(out.includes(line), `${line} in:\n${out}`);
    }
    await eventually(() => t.kubectl('wait --for=condition=Ready pod --all --timeout=2s').code === 0, 60_000, 'every pod Ready');
    assert.equal(rows(t.k('get pods')).length, 5);
  });

  it("binds the database's claim and gives it its init script", async () => {
    assert.equal(await eventually(() => t.k('get pvc db-data -o jsonpath={.status.phase}') === 'Bound' && 'Bound', 30_000, 'the claim Bound'), 'Bound');
    const pod = t.k('get pods -l app=database -o jsonpath={.items[0].metadata.name}');
    const uid = t.k(`get pod ${pod} -o jsonpath={.metadata.uid}`);
    // On the loopback network a volume is files under the pod's directory (src/node/volumes).
    const file = join(t.dataDir, 'pods', `default_${pod}_${uid}`, 'volumes', 'kubernetes.io~configmap', 'init', 'init.sql');
    await eventually(() => existsSync(file), 10_000, file);
    assert.match(readFileSync(file, 'utf8'), /^CREATE TABLE visits/);
  });

  it('reaches each tier through its Service: the backend by name from the frontend, the frontend on its NodePort', async () => {
    const frontend = t.k('get pods -l app=frontend -o jsonpath={.items[0].metadata.name}');
    const backend = new Set(rows(t.k('get pods -l app=backend')).map((r) => r[0]));
    const vip = t.k('get svc backend -o jsonpath={.spec.clusterIP}');
    const env = t.k(['exec', frontend, '--', 'sh', '-c', 'echo $BACKEND_SERVICE_HOST:$BACKEND_SERVICE_PORT']).trim();
    assert.equal(env, `${vip}:5000`);
    const answer = await eventually(() => t.kubectl(['exec', frontend, '--', 'curl', '-s', '-m', '2', `http://${vip}:5000/hostname`]).stdout.trim(), 10_000, 'the backend');
    assert.ok(backend.has(answer), `${answer} is a backend pod`);
    const nodePort = t.k('get svc frontend -o jsonpath={.spec.ports[0].nodePort}');
    const ip = t.k('get nodes -o jsonpath={.items[0].status.addresses[0].address}');
    const page = await eventually(() => t.kubectl(['exec', frontend, '--', 'curl', '-s', '-m', '2', `http://${ip}:${nodePort}/`]).stdout, 10_000, 'the frontend NodePort');
    assert.match(page, /nginx/i);
  });
});
