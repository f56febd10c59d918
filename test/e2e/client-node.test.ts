// @kubernetes/client-node, a second real client: list, informer (list + watch), create,
// patch and delete against the running program.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { Tinykube, eventually } from './harness.js';

describe('@kubernetes/client-node', () => {
  let t: Tinykube;
  let kc: k8s.KubeConfig;
  before(async () => {
    t = await Tinykube.start();
    kc = new k8s.KubeConfig();
    kc.loadFromFile(t.kubeconfig);
  });
  after(async () => {
    await t?.destroy();
  });

  it('lists, creates, patches and deletes Services; an informer sees every change', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const list = await core.listNamespacedService({ namespace: 'default' });
    assert.deepEqual(list.items.map((s) => s.metadata?.name), ['kubernetes']);

    const seen: string[] = [];
    const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/services', () => core.listNamespacedService({ namespace: 'default' }));
    informer.on('add', (s) => seen.push(`add ${s.metadata?.name}`));
    informer.on('update', (s) => seen.push(`update ${s.metadata?.name} ${s.metadata?.labels?.color ?? ''}`));
    informer.on('delete', (s) => seen.push(`delete ${s.metadata?.name}`));
    await informer.start();
    try {
      await eventually(() => seen.includes('add kubernetes'), 10_000, 'the informer to list');

      const created = await core.createNamespacedService({
        namespace: 'default',
        body: { metadata: { name: 'from-client-node' }, spec: { ports: [{ port: 80, targetPort: 8080 }], selector: { app: 'x' } } },
      });
      assert.match(created.spec?.clusterIP ?? '', /^127\.96\./);

      await core.patchNamespacedService(
        { namespace: 'default', name: 'from-client-node', body: { metadata: { labels: { color: 'blue' } } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      await eventually(() => seen.includes('update from-client-node blue'), 10_000, 'the informer to see the patch');

      await core.deleteNamespacedService({ namespace: 'default', name: 'from-client-node' });
      await eventually(() => seen.includes('delete from-client-node'), 10_000, 'the informer to see the delete');
      assert.deepEqual(seen.filter((s) => s.includes('from-client-node')), ['add from-client-node', 'update from-client-node blue', 'delete from-client-node']);
    } finally {
      await informer.stop();
    }
  });

  it('reports API errors as Status objects', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await assert.rejects(core.readNamespacedService({ namespace: 'default', name: 'nope' }), (e: unknown) => {
      const err = e as { code?: number; body?: string };
      assert.equal(err.code, 404);
      assert.equal(JSON.parse(err.body ?? '{}').reason, 'NotFound');
      return true;
    });
  });
});
