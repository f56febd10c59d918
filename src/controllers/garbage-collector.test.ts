import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { KubeObject, OwnerReference } from '../apis/types.js';
import { R, type Client } from '../client/client.js';
import { startTestApi, type TestApi } from '../../test/support/api.js';
import { startWorkloadControllers, type WorkloadControllers } from './workloads.js';
import { startFakeNode, type FakeNode } from '../../test/support/workloads.js';
import { controllerOf } from './controller-ref.js';
import { decide, type Action, type OwnerState } from './garbage-collector-decisions.js';
import { eventually } from '../../test/support/eventually.js';

const log = pino({ level: 'silent' });
const NS = 'default';

function deployment(name: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } },
    },
  };
}

const count = async (client: Client, r: typeof R.pods | typeof R.replicaSets, app: string): Promise<number> =>
  (await client.list(r, NS, { labelSelector: `app=${app}` })).items.length;

describe('garbage collector', () => {
  let api: TestApi;
  let client: Client;
  let controllers: WorkloadControllers;
  let node: FakeNode;

  before(async () => {
    api = await startTestApi();
    client = api.client('test');
    node = await startFakeNode(client, 'node-1');
    controllers = await startWorkloadControllers({ client: api.client('controllers'), log });
  });
  after(async () => {
    controllers.stop();
    node.stop();
    await api.close();
  });

  async function running(name: string): Promise<void> {
    await client.create(R.deployments, NS, deployment(name));
    await eventually(async () => (await client.get(R.deployments, NS, name)).status?.availableReplicas === 2, 10_000, `${name} available`);
  }

  it('background: deleting a Deployment removes its ReplicaSets and pods', async () => {
    await running('bg');
    await client.delete(R.deployments, NS, 'bg', { propagationPolicy: 'Background' });
    await eventually(async () => (await count(client, R.replicaSets, 'bg')) === 0 && (await count(client, R.pods, 'bg')) === 0, 10_000, 'everything gone');
  });

  it('foreground: the Deployment stays until its dependents are gone', async () => {
    await running('fg');
    await client.delete(R.deployments, NS, 'fg', { propagationPolicy: 'Foreground' });
    const d = await client.get(R.deployments, NS, 'fg');
    assert.deepEqual(d.metadata.finalizers, ['foregroundDeletion']);
    await eventually(async () => (await client.list(R.deployments, NS, { fieldSelector: 'metadata.name=fg' })).items.length === 0, 10_000, 'deployment gone');
    // Dependents went first: nothing is left the moment the Deployment is gone.
    assert.equal(await count(client, R.replicaSets, 'fg'), 0);
    assert.equal(await count(client, R.pods, 'fg'), 0);
  });

  it('orphan: ReplicaSets and pods stay, without the reference to the deleted Deployment', async () => {
    await running('orph');
    await client.delete(R.deployments, NS, 'orph', { propagationPolicy: 'Orphan' });
    await eventually(async () => (await client.list(R.deployments, NS, { fieldSelector: 'metadata.name=orph' })).items.length === 0, 10_000, 'deployment gone');
    const [rs] = (await client.list(R.replicaSets, NS, { labelSelector: 'app=orph' })).items;
    assert.equal(rs.metadata.ownerReferences, undefined);
    assert.equal(rs.metadata.deletionTimestamp, undefined);
    const pods = (await client.list(R.pods, NS, { labelSelector: 'app=orph' })).items;
    assert.equal(pods.length, 2);
    assert.ok(pods.every((p) => controllerOf(p)?.uid === rs.metadata.uid && !p.metadata.deletionTimestamp));
  });

  it('deletes a dependent whose owner is gone and keeps one with a live owner among several', async () => {
    const svc = await client.create(R.services, NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'owner' }, spec: { ports: [{ port: 80 }] } });
    const ref = (o: KubeObject): OwnerReference => ({ apiVersion: 'v1', kind: o.kind!, name: o.metadata.name!, uid: o.metadata.uid! });
    const ghost: OwnerReference = { apiVersion: 'v1', kind: 'Service', name: 'ghost', uid: 'no-such-uid' };
    const pod = (name: string, owners: OwnerReference[]): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, ownerReferences: owners },
      spec: { schedulerName: 'nobody', containers: [{ name: 'c', image: 'nginx' }] },
    });
    await client.create(R.pods, NS, pod('dangling', [ghost]));
    await client.create(R.pods, NS, pod('shared', [ref(svc), ghost]));
    await eventually(async () => (await client.list(R.pods, NS, { fieldSelector: 'metadata.name=dangling' })).items.length === 0, 10_000, 'dangling pod deleted');
    const shared = await eventually(async () => {
      const p = await client.get(R.pods, NS, 'shared');
      return p.metadata.ownerReferences?.length === 1 && p;
    }, 10_000, 'gone owner dropped');
    assert.equal(shared.metadata.ownerReferences![0].uid, svc.metadata.uid);
    await client.delete(R.services, NS, 'owner');
    await eventually(async () => (await client.list(R.pods, NS, { fieldSelector: 'metadata.name=shared' })).items.length === 0, 10_000, 'shared pod deleted');
  });
});

describe('garbage collector decisions', () => {
  const ref = (uid: string, block = false): OwnerReference => ({ apiVersion: 'v1', kind: 'X', name: uid, uid, ...(block ? { blockOwnerDeletion: true } : {}) });
  const obj = (o: { deleting?: boolean; finalizers?: string[]; refs?: OwnerReference[] } = {}): KubeObject => ({
    metadata: { uid: 'me', ...(o.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}), finalizers: o.finalizers, ownerReferences: o.refs },
  });
  const dep = (block: boolean): KubeObject => ({ metadata: { uid: 'd', ownerReferences: [ref('me', block)] } });
  const cases: { name: string; obj: KubeObject; owners?: [OwnerReference, OwnerState][]; deps?: KubeObject[]; want: Action }[] = [
    { name: 'no owners: kept', obj: obj(), want: { kind: 'none' } },
    { name: 'live owner: kept', obj: obj({ refs: [ref('a')] }), owners: [[ref('a'), 'solid']], want: { kind: 'none' } },
    { name: 'owner gone: background delete', obj: obj({ refs: [ref('a')] }), owners: [[ref('a'), 'absent']], want: { kind: 'delete', propagation: 'Background' } },
    { name: 'one owner gone, one live: drop the gone one', obj: obj(), owners: [[ref('a'), 'absent'], [ref('b'), 'solid']], want: { kind: 'drop-refs', uids: ['a'] } },
    { name: 'owner waiting, with dependents: foreground delete', obj: obj(), owners: [[ref('a'), 'waiting']], deps: [dep(true)], want: { kind: 'delete', propagation: 'Foreground' } },
    { name: 'owner waiting, no dependents: background delete', obj: obj(), owners: [[ref('a'), 'waiting']], want: { kind: 'delete', propagation: 'Background' } },
    { name: 'being orphaned', obj: obj({ deleting: true, finalizers: ['orphan'] }), want: { kind: 'orphan-dependents' } },
    { name: 'foreground, blocking dependent', obj: obj({ deleting: true, finalizers: ['foregroundDeletion'] }), deps: [dep(true)], want: { kind: 'delete-dependents', blocking: true } },
    { name: 'foreground, non-blocking dependent', obj: obj({ deleting: true, finalizers: ['foregroundDeletion'] }), deps: [dep(false)], want: { kind: 'delete-dependents', blocking: false } },
    { name: 'deleting with another finalizer: left alone', obj: obj({ deleting: true, finalizers: ['x'] }), want: { kind: 'none' } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(decide(c.obj, new Map(c.owners ?? []), c.deps ?? []), c.want);
    });
  }
});
