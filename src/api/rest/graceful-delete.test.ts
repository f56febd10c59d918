// A pod on a node stays (Terminating) through its grace period, whatever status its node
// writes meanwhile; only the node's delete with grace 0, or the last finalizer after it, ends it.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi, type TestApi } from '../../../test/support/api.js';
import type { Pod } from '../../apis/core/pods.js';

// The client sits above api/; its resource reference is written out here.
const PODS = { group: '', version: 'v1', resource: 'pods' };

const pod = (name: string, finalizers?: string[]): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, ...(finalizers ? { finalizers } : {}) },
  spec: { nodeName: 'n1', terminationGracePeriodSeconds: 30, containers: [{ name: 'c', image: 'nginx' }] },
});

describe('graceful pod deletion', () => {
  let api: TestApi;
  const client = () => api.client();
  const get = (name: string) => client().get<Pod>(PODS, 'default', name);
  const gone = async (name: string) => assert.equal(await get(name).then(() => 200, (e: { code?: number }) => e.code), 404);
  const writeStatus = async (name: string) => {
    const p = await get(name);
    await client().update(PODS, 'default', { ...p, status: { ...p.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] } }, { subresource: 'status' });
  };

  before(async () => {
    api = await startTestApi();
  });
  after(async () => {
    await api.close();
  });

  it('keeps the pod Terminating through status updates until the node deletes it with grace 0', async () => {
    await client().create(PODS, 'default', pod('web'));
    await client().delete(PODS, 'default', 'web');
    const terminating = await get('web');
    assert.equal(terminating.metadata.deletionGracePeriodSeconds, 30);
    assert.ok(terminating.metadata.deletionTimestamp);
    await writeStatus('web');
    assert.equal((await get('web')).metadata.deletionGracePeriodSeconds, 30, 'a status update while terminating must not delete the pod');
    await client().delete(PODS, 'default', 'web', { gracePeriodSeconds: 0 });
    await gone('web');
  });

  it('a grace-0 delete of a pod with a finalizer leaves the last finalizer to remove it', async () => {
    await client().create(PODS, 'default', pod('held', ['example.com/hold']));
    await client().delete(PODS, 'default', 'held');
    await writeStatus('held');
    await client().delete(PODS, 'default', 'held', { gracePeriodSeconds: 0 });
    const p = await get('held');
    assert.equal(p.metadata.deletionGracePeriodSeconds, 0);
    await client().update(PODS, 'default', { ...p, metadata: { ...p.metadata, finalizers: [] } });
    await gone('held');
  });
});
