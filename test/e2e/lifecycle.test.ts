// The program as a user runs it: watches that stream, waits that return, a token that is
// required, a stop that is clean and a restart that resumes with everything in place.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Tinykube, EXAMPLES, eventually, rows } from './harness.js';

function kubeconfigOf(t: Tinykube): { server: string; token: string; ca: string } {
  const kc = parse(readFileSync(t.kubeconfig, 'utf8'));
  return {
    server: kc.clusters[0].cluster.server,
    token: kc.users[0].user.token,
    ca: Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64').toString(),
  };
}

function get(t: Tinykube, path: string, token?: string): Promise<{ status: number; body: string }> {
  const { server, ca } = kubeconfigOf(t);
  return new Promise((resolve, reject) => {
    const req = request(server + path, { ca, headers: token ? { Authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('running tinykube', () => {
  let t: Tinykube;
  before(async () => {
    t = await Tinykube.start();
  });
  after(async () => {
    await t?.destroy();
  });

  it('answers 401 without a valid token and changes nothing', async () => {
    const none = await get(t, '/api/v1/namespaces/default/services');
    assert.equal(none.status, 401);
    assert.equal(JSON.parse(none.body).reason, 'Unauthorized');
    const wrong = await get(t, '/api/v1/namespaces/default/services', 'not-the-token');
    assert.equal(wrong.status, 401);
    const ok = await get(t, '/api/v1/namespaces/default/services', kubeconfigOf(t).token);
    assert.equal(ok.status, 200);
    assert.equal((await get(t, '/version')).status, 200);
  });

  it('kubectl get -w prints changes as they happen', async () => {
    const w = t.kubectlStream(['get', 'svc', '-w']);
    let out = '';
    w.stdout!.on('data', (d) => (out += d));
    try {
      await eventually(() => out.includes('kubernetes'), 10_000, 'the initial list');
      t.k(['apply', '-f', join(EXAMPLES, 'clusterip.yaml')]);
      await eventually(() => /my-service\s+ClusterIP/.test(out), 10_000, 'the ADDED row');
      t.k('delete svc my-service');
      await eventually(() => out.split('\n').filter((l) => l.startsWith('my-service')).length >= 2, 10_000, 'the DELETED row');
    } finally {
      w.kill();
    }
  });

  it('kubectl wait returns when the condition holds', () => {
    t.k(['apply', '-f', join(EXAMPLES, 'nodeport.yaml')]);
    const r = t.kubectl(['wait', '--for=jsonpath={.spec.type}=NodePort', 'svc/my-nodeport', '--timeout=10s']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /condition met/);
  });

  it('a second up on the same data dir resumes with the same objects and addresses', async () => {
    const before = JSON.parse(t.k('get svc my-nodeport -o json'));
    assert.equal(await t.down('SIGINT'), 0);
    await t.up();
    const afterRestart = JSON.parse(t.k('get svc my-nodeport -o json'));
    assert.equal(afterRestart.metadata.uid, before.metadata.uid);
    assert.equal(afterRestart.spec.clusterIP, before.spec.clusterIP);
    assert.equal(afterRestart.spec.ports[0].nodePort, 30008);
    assert.deepEqual(rows(t.k('get svc kubernetes')).length, 1);
    // Allocations were rebuilt: the same nodePort is still taken.
    const again = t.manifest('again.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: again\nspec:\n  type: NodePort\n  ports:\n    - port: 80\n      nodePort: 30008\n');
    assert.match(t.kubectl(['apply', '-f', again]).stderr, /provided port is already allocated/);
  });

  it('SIGTERM stops the program with exit code 0', async () => {
    assert.equal(await t.down('SIGTERM'), 0);
    await t.up();
  });
});
