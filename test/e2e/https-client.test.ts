// Our own HTTPS client against the running program: what agents and `tinykube explain` use.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Tinykube, eventually } from './harness.js';
import { HttpsClient, endpointFromKubeconfig } from '../../src/client/https.js';
import { Informer } from '../../src/client/informer.js';
import { R } from '../../src/client/client.js';
import { StatusError } from '../../src/util/status-errors.js';
import { createCa } from '../../src/api/tls.js';

describe('HttpsClient', () => {
  let t: Tinykube;
  let client: HttpsClient;
  before(async () => {
    t = await Tinykube.start();
    client = new HttpsClient(endpointFromKubeconfig(t.kubeconfig), 'https-client-test');
  });
  after(async () => {
    client?.close();
    await t?.destroy();
  });

  it('creates, patches, lists, watches through an informer and deletes', async () => {
    const seen: string[] = [];
    const inf = new Informer(client, R.services, { namespace: 'default' }).on({
      add: (o) => seen.push(`add ${o.metadata.name}`),
      update: (_o, n) => seen.push(`update ${n.metadata.name} ${n.metadata.labels?.k ?? ''}`),
      delete: (o) => seen.push(`delete ${o.metadata.name}`),
    });
    await inf.start();
    try {
      const created = await client.create(R.services, 'default', { metadata: { name: 'via-https' }, spec: { ports: [{ port: 80 }] } });
      assert.match(created.spec.clusterIP, /^127\.96\./);
      await client.patch(R.services, 'default', 'via-https', 'merge', { metadata: { labels: { k: 'v' } } });
      const list = await client.list(R.services, 'default', { labelSelector: 'k=v' });
      assert.deepEqual(list.items.map((s) => s.metadata.name), ['via-https']);
      await client.delete(R.services, 'default', 'via-https');
      await eventually(() => seen.includes('delete via-https'), 10_000, 'the informer to see the delete');
      assert.deepEqual(seen.filter((s) => s.includes('via-https')), ['add via-https', 'update via-https v', 'delete via-https']);
    } finally {
      inf.stop();
    }
  });

  it('tinykube explain describes a Service from the proxy state built over this client', () => {
    const bin = new URL('../../bin/tinykube.js', import.meta.url).pathname;
    const r = spawnSync(process.execPath, [bin, 'explain', 'svc/kubernetes', '--kubeconfig', t.kubeconfig], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Service default\/kubernetes \(type ClusterIP\)/);
    assert.match(r.stdout, /Port "https" 443\/TCP:/);
    assert.match(r.stdout, /127\.0\.0\.1:\d+\s+ready/);
    assert.match(r.stdout, /127\.96\.0\.1:443 \(ClusterIP\)/);
    const missing = spawnSync(process.execPath, [bin, 'explain', 'svc/nosuch', '--kubeconfig', t.kubeconfig], { encoding: 'utf8' });
    assert.match(missing.stdout, /has no virtual address/);
  });

  it('turns Status answers into StatusErrors', async () => {
    await assert.rejects(client.get(R.services, 'default', 'nope'), (e: unknown) => e instanceof StatusError && e.code === 404 && e.reason === 'NotFound');
  });

  it('verifies the server against its CA on every connection, requests and watches alike', async () => {
    // A CA that did not sign the server's certificate (this client's connections share one TLS context).
    const stranger = new HttpsClient({ ...endpointFromKubeconfig(t.kubeconfig), ca: (await createCa()).cert }, 'https-client-test');
    try {
      const untrusted = (e: unknown): boolean => /self[- ]signed|unable to (get|verify)|certificate/i.test(String((e as Error).message));
      await assert.rejects(stranger.get(R.services, 'default', 'kubernetes'), untrusted);
      await assert.rejects(stranger.watch(R.services, 'default', {}, { event: () => {}, end: () => {} }), untrusted);
      // The trusted client still gets through, on more than one connection at once.
      const gets = await Promise.all(Array.from({ length: 20 }, () => client.get(R.services, 'default', 'kubernetes')));
      assert.ok(gets.every((s) => s.metadata.name === 'kubernetes'));
    } finally {
      stranger.close();
    }
  });
});
