// Watchers of one write share its decoded value: each gets its own object and metadata (an
// informer strips managedFields from its copy) over spec and status shared and frozen.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi, type TestApi } from '../../../test/support/api.js';
import type { KubeObject } from '../../apis/types.js';
import { eventually } from '../../../test/support/eventually.js';

const PODS = { group: '', version: 'v1', resource: 'pods' };

describe('watch events shared between watchers', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
  });
  after(async () => {
    await api.close();
  });

  it('hands every watcher its own metadata over one frozen spec, with the fields it would decode', async () => {
    const seen: KubeObject[][] = [[], []];
    const watches = await Promise.all(
      seen.map((into) => api.client().watch(PODS, 'default', { resourceVersion: '1' }, { event: (_t, obj) => into.push(obj), end: () => {} })),
    );
    try {
      await api.client().create(PODS, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
      await eventually(() => seen.every((s) => s.length === 1), 5000, 'both watchers got the pod');
      const [a, b] = [seen[0]![0]!, seen[1]![0]!];
      assert.notEqual(a, b);
      assert.notEqual(a.metadata, b.metadata);
      assert.equal(a.spec, b.spec, 'the spec is decoded once');
      assert.ok(Object.isFrozen(a.spec) && Object.isFrozen((a.spec as { containers: object[] }).containers[0]));
      assert.throws(() => ((a.spec as { nodeName?: string }).nodeName = 'n1'), TypeError);
      // What decodeObject gives: the resource's apiVersion and kind, the revision as resourceVersion.
      assert.equal(a.apiVersion, 'v1');
      assert.equal(a.kind, 'Pod');
      assert.deepEqual(a, await api.client().get(PODS, 'default', 'p'));
      // A watcher's own metadata can change without the other noticing.
      delete a.metadata.managedFields;
      assert.ok(b.metadata.managedFields?.length);
    } finally {
      watches.forEach((w) => w.cancel());
    }
  });
});
