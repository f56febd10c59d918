import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { KubeObject } from '../apis/types.js';
import { R, type Client } from '../client/client.js';
import { EventRecorder } from '../client/events.js';
import { Informer } from '../client/informer.js';
import { startTestApi, type TestApi } from '../../test/support/api.js';
import { ReplicaSetController, STATUS_BATCH_MS } from './replicaset.js';
import { controllerOf } from './controller-ref.js';
import { podChangeFor, rankPodsForDeletion } from './replicaset-pods.js';
import { slowStartBatches } from './replicaset-decisions.js';
import { rfc3339 } from '../util/time.js';
import { eventually } from '../../test/support/eventually.js';

const log = pino({ level: 'silent' });

function replicaSet(name: string, replicas: number, minReadySeconds = 0): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      minReadySeconds,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name, tier: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    },
  };
}

function pod(name: string, labels: Record<string, string>, extra: Partial<KubeObject> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels }, spec: { containers: [{ name: 'c', image: 'nginx' }] }, ...extra };
}

async function setPodStatus(client: Client, name: string, status: Record<string, unknown>): Promise<void> {
  const p = await client.get(R.pods, 'default', name);
  await client.update(R.pods, 'default', { ...p, status: { ...p.status, ...status } }, { subresource: 'status' });
}

const podsOf = async (client: Client, app: string): Promise<KubeObject[]> =>
  (await client.list(R.pods, 'default', { labelSelector: `app=${app}` })).items.filter((p) => !p.metadata.deletionTimestamp);

describe('ReplicaSet controller', () => {
  let api: TestApi;
  let client: Client;
  let controller: ReplicaSetController;
  let now = new Date();
  const informers: Informer[] = [];

  before(async () => {
    api = await startTestApi();
    client = api.client('replicaset-controller');
    const pods = new Informer(client, R.pods);
    const rss = new Informer(client, R.replicaSets);
    informers.push(pods, rss);
    controller = new ReplicaSetController({ client, log, events: new EventRecorder(client, 'replicaset-controller'), now: () => now }, pods, rss);
    await Promise.all(informers.map((i) => i.start()));
    controller.start();
  });
  after(async () => {
    controller.stop();
    for (const i of informers) i.stop();
    await api.close();
  });

  it('creates spec.replicas pods from the template, owned by the ReplicaSet', async () => {
    const rs = await client.create(R.replicaSets, 'default', replicaSet('web', 3));
    const pods = await eventually(async () => {
      const ps = await podsOf(client, 'web');
      return ps.length === 3 && ps;
    }, 10_000, '3 pods');
    for (const p of pods) {
      assert.match(p.metadata.name!, /^web-[a-z0-9]{5}$/);
      assert.deepEqual(p.metadata.labels, { app: 'web', tier: 'web' });
      assert.deepEqual(controllerOf(p), { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true });
    }
    const status = await eventually(async () => {
      const s = (await client.get(R.replicaSets, 'default', 'web')).status;
      return s?.replicas === 3 && s;
    }, 10_000, 'status');
    assert.equal(status.fullyLabeledReplicas, 3);
    assert.equal(status.readyReplicas, undefined, 'zero counters are left out');
    assert.equal(status.observedGeneration, 1);
    await controller.idle();
    assert.equal((await podsOf(client, 'web')).length, 3, 'no extra pods after the burst of events');
  });

  it('replaces a deleted pod and a failed pod, and counts ready and available pods', async () => {
    const [first, second] = await podsOf(client, 'web');
    await client.delete(R.pods, 'default', first.metadata.name!);
    await setPodStatus(client, second.metadata.name!, { phase: 'Failed' });
    await eventually(async () => {
      const ps = (await podsOf(client, 'web')).filter((p) => p.status?.phase !== 'Failed');
      return ps.length === 3 && !ps.some((p) => p.metadata.name === first.metadata.name);
    }, 10_000, 'replacements');
    for (const p of (await podsOf(client, 'web')).filter((p) => p.status?.phase !== 'Failed')) {
      await setPodStatus(client, p.metadata.name!, { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(now) }] });
    }
    const status = await eventually(async () => {
      const s = (await client.get(R.replicaSets, 'default', 'web')).status;
      return s?.readyReplicas === 3 && s;
    }, 10_000, 'ready');
    assert.equal(status.availableReplicas, 3);
    assert.equal(status.replicas, 3);
  });

  it('counts a ready pod available only after minReadySeconds', async () => {
    await client.create(R.replicaSets, 'default', replicaSet('slow', 1, 30));
    const [p] = await eventually(async () => {
      const ps = await podsOf(client, 'slow');
      return ps.length === 1 && ps;
    }, 10_000, 'pod');
    await setPodStatus(client, p.metadata.name!, { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(now) }] });
    const s1 = await eventually(async () => {
      const s = (await client.get(R.replicaSets, 'default', 'slow')).status;
      return s?.readyReplicas === 1 && s;
    }, 10_000, 'ready');
    assert.equal(s1.availableReplicas, undefined);
    now = new Date(now.getTime() + 31_000);
    await client.patch(R.replicaSets, 'default', 'slow', 'merge', { metadata: { labels: { poke: '1' } } });
    await eventually(async () => (await client.get(R.replicaSets, 'default', 'slow')).status?.availableReplicas === 1, 10_000, 'available');
  });

  it('scales down, deleting not-ready pods first', async () => {
    const pods = await podsOf(client, 'web');
    const notReady = pods.find((p) => p.status?.phase !== 'Failed')!;
    await setPodStatus(client, notReady.metadata.name!, { conditions: [{ type: 'Ready', status: 'False' }] });
    await eventually(async () => (await client.get(R.replicaSets, 'default', 'web')).status?.readyReplicas === 2, 10_000, 'not ready seen');
    await client.patch(R.replicaSets, 'default', 'web', 'merge', { spec: { replicas: 2 } });
    await eventually(async () => (await podsOf(client, 'web')).filter((p) => p.status?.phase !== 'Failed').length === 2, 10_000, 'scaled down');
    assert.ok(!(await podsOf(client, 'web')).some((p) => p.metadata.name === notReady.metadata.name));
  });

  it('adopts a matching orphan and releases a pod whose labels stop matching', async () => {
    await client.create(R.replicaSets, 'default', replicaSet('adopt', 2));
    await eventually(async () => (await podsOf(client, 'adopt')).length === 2, 10_000, 'pods');
    await client.create(R.pods, 'default', pod('stray', { app: 'adopt' }));
    await eventually(async () => controllerOf(await client.get(R.pods, 'default', 'stray'))?.name === 'adopt', 10_000, 'adoption');
    await eventually(async () => (await podsOf(client, 'adopt')).length === 2, 10_000, 'surplus deleted');
    const [kept] = await podsOf(client, 'adopt');
    await client.patch(R.pods, 'default', kept.metadata.name!, 'merge', { metadata: { labels: { app: 'elsewhere' } } });
    await eventually(async () => !controllerOf(await client.get(R.pods, 'default', kept.metadata.name!)), 10_000, 'release');
    await eventually(async () => (await podsOf(client, 'adopt')).length === 2, 10_000, 'replacement');
  });

  it('claims no pod another controller owns, even one its selector matches', async () => {
    await client.create(R.pods, 'default', pod('taken', { app: 'pair' }, { metadata: { name: 'taken', namespace: 'default', labels: { app: 'pair' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'ghost', uid: 'ghost-uid', controller: true }] } }));
    await client.create(R.replicaSets, 'default', replicaSet('pair', 1));
    await eventually(async () => (await client.get(R.replicaSets, 'default', 'pair')).status?.replicas === 1, 10_000, 'status');
    await controller.idle();
    assert.equal((await podsOf(client, 'pair')).length, 2, 'its own pod beside the other controller\'s');
    assert.equal(controllerOf(await client.get(R.pods, 'default', 'taken'))?.uid, 'ghost-uid');
  });

  it("scales down the pod on the node most crowded with its Deployment's pods, counting the other ReplicaSet's", async () => {
    const family = [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'fam', uid: 'fam-uid', controller: true }];
    const ready = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(now) }] };
    const placed = [
      ['fam-a', 'a-crowded', 'n1', 0],
      ['fam-a', 'a-alone', 'n2', 5], // more restarts: first to go were n1 not crowded by fam-b
      ['fam-b', 'b-1', 'n1', 0],
      ['fam-b', 'b-2', 'n1', 0],
    ] as const;
    for (const [app, name, node] of placed) await client.create(R.pods, 'default', pod(name, { app }, { spec: { nodeName: node, containers: [{ name: 'c', image: 'nginx' }] } }));
    for (const [, name, , restartCount] of placed) {
      await setPodStatus(client, name, { ...ready, containerStatuses: [{ name: 'c', image: 'nginx', imageID: '', ready: true, restartCount, state: { running: {} } }] });
    }
    for (const app of ['fam-a', 'fam-b']) await client.create(R.replicaSets, 'default', { ...replicaSet(app, 2), metadata: { name: app, namespace: 'default', ownerReferences: family } });
    await eventually(async () => (await podsOf(client, 'fam-a')).every((p) => controllerOf(p)?.name === 'fam-a'), 10_000, 'adopted');
    await eventually(async () => (await podsOf(client, 'fam-b')).every((p) => controllerOf(p)?.name === 'fam-b'), 10_000, 'adopted');
    await controller.idle();
    await client.patch(R.replicaSets, 'default', 'fam-a', 'merge', { spec: { replicas: 1 } });
    await eventually(async () => (await podsOf(client, 'fam-a')).length === 1, 10_000, 'scaled down');
    assert.deepEqual((await podsOf(client, 'fam-a')).map((p) => p.metadata.name), ['a-alone']);
  });

  it('creates in slow-start batches: a create that keeps failing is tried once per sync, not once per missing pod', async () => {
    await client.create(R.namespaces, undefined, { metadata: { name: 'ending' } });
    await client.create(R.replicaSets, 'ending', { ...replicaSet('doomed', 0), metadata: { name: 'doomed', namespace: 'ending' } });
    await client.delete(R.namespaces, undefined, 'ending'); // Terminating: pod creates are refused
    let creates = 0;
    // The real client, counting the creates it is asked for.
    const counting: Client = Object.assign(Object.create(client) as Client, { create: (...args: Parameters<Client['create']>) => (creates++, client.create(...args)) });
    const pods = new Informer(client, R.pods, { namespace: 'ending' });
    const rss = new Informer(client, R.replicaSets, { namespace: 'ending' });
    const own = new ReplicaSetController({ client: counting, log, events: new EventRecorder(client, 'replicaset-controller'), now: () => now }, pods, rss);
    try {
      await Promise.all([pods.start(), rss.start()]);
      own.start();
      await client.patch(R.replicaSets, 'ending', 'doomed', 'merge', { spec: { replicas: 10 } });
      const failure = await eventually(async () => {
        const conditions = ((await client.get(R.replicaSets, 'ending', 'doomed')).status?.conditions ?? []) as { type: string; reason?: string }[];
        return conditions.find((c) => c.type === 'ReplicaFailure');
      }, 10_000, 'ReplicaFailure');
      assert.equal(failure.reason, 'FailedCreate');
      await own.idle();
      assert.ok(creates >= 1 && creates <= 3, `${creates} creates tried for 10 missing pods`);
    } finally {
      own.stop();
      pods.stop();
      rss.stop();
    }
  });

  it('reports a burst of readiness changes in a few status writes', async () => {
    await client.create(R.replicaSets, 'default', replicaSet('many', 20));
    const pods = await eventually(async () => {
      const ps = await podsOf(client, 'many');
      return ps.length === 20 && ps;
    }, 10_000, '20 pods');
    await eventually(async () => (await client.get(R.replicaSets, 'default', 'many')).status?.replicas === 20, 10_000, 'status');
    await controller.idle();
    const writes: string[] = [];
    const watch = await client.watch(R.replicaSets, 'default', { resourceVersion: (await client.get(R.replicaSets, 'default', 'many')).metadata.resourceVersion }, {
      event: (type, rs) => void (rs.metadata.name === 'many' && writes.push(type)),
      end: () => undefined,
    });
    try {
      // One after another, 10 ms apart, as kubelets report them: unbatched, each would be a
      // sync and a status write; batched, at most one per STATUS_BATCH_MS window (plus the ends).
      const started = Date.now();
      for (const p of pods) {
        await setPodStatus(client, p.metadata.name!, { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(now) }] });
        await new Promise((r) => setTimeout(r, 10));
      }
      const windows = Math.ceil((Date.now() - started) / STATUS_BATCH_MS) + 2;
      await eventually(async () => (await client.get(R.replicaSets, 'default', 'many')).status?.readyReplicas === 20, 10_000, '20 ready');
      await controller.idle();
      assert.ok(writes.length >= 1 && writes.length <= Math.min(windows, 12), `${writes.length} status writes for 20 pods becoming Ready in ${windows} windows`);
    } finally {
      watch.cancel();
    }
  });
});

describe('ReplicaSet decisions', () => {
  const at = (s: number): string => rfc3339(new Date(Date.UTC(2024, 0, 1, 0, 0, s)));
  const p = (name: string, o: { node?: string; phase?: string; ready?: boolean; created?: number; cost?: string }): KubeObject => ({
    metadata: { name, creationTimestamp: at(o.created ?? 0), ...(o.cost ? { annotations: { 'controller.kubernetes.io/pod-deletion-cost': o.cost } } : {}) },
    spec: { nodeName: o.node },
    status: { phase: o.phase ?? 'Running', conditions: [{ type: 'Ready', status: o.ready ? 'True' : 'False', lastTransitionTime: at(0) }] },
  });
  const cases: { name: string; pods: KubeObject[]; first: string }[] = [
    { name: 'unscheduled before scheduled', pods: [p('a', { node: 'n', ready: true }), p('b', {})], first: 'b' },
    { name: 'pending before running', pods: [p('a', { node: 'n' }), p('b', { node: 'n', phase: 'Pending' })], first: 'b' },
    { name: 'not ready before ready', pods: [p('a', { node: 'n', ready: true }), p('b', { node: 'n' })], first: 'b' },
    { name: 'lower deletion cost first', pods: [p('a', { node: 'n', cost: '10' }), p('b', { node: 'm', cost: '-5' })], first: 'b' },
    { name: 'newer first', pods: [p('a', { node: 'n', created: 1 }), p('b', { node: 'm', created: 9 })], first: 'b' },
  ];
  for (const c of cases) {
    it(`ranks for deletion: ${c.name}`, () => {
      assert.equal(rankPodsForDeletion(c.pods, c.pods)[0].metadata.name, c.first);
    });
  }
  it('tells a pod change that alters what its ReplicaSet must do from one that alters only its status, and from neither', () => {
    const base: KubeObject = { metadata: { name: 'p', labels: { app: 'a' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'a', uid: 'u1', controller: true }] }, spec: {}, status: { phase: 'Pending' } };
    const ready = (since: string): KubeObject => ({ ...base, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: since }] } });
    const cases: [string, KubeObject, KubeObject, ReturnType<typeof podChangeFor>][] = [
      ['bound', base, { ...base, spec: { nodeName: 'n' } }, undefined],
      ['running, not ready', base, { ...base, status: { phase: 'Running' } }, undefined],
      ['ready', base, ready(at(1)), 'status'],
      ['ready again, later', ready(at(1)), ready(at(2)), 'status'],
      ['failed', base, { ...base, status: { phase: 'Failed' } }, 'manage'],
      ['being deleted', base, { ...base, metadata: { ...base.metadata, deletionTimestamp: at(3) } }, 'manage'],
      ['relabelled', base, { ...base, metadata: { ...base.metadata, labels: { app: 'b' } } }, 'manage'],
      ['released', base, { ...base, metadata: { ...base.metadata, ownerReferences: [] } }, 'manage'],
    ];
    for (const [what, old, pod, want] of cases) assert.equal(podChangeFor(old, pod), want, what);
  });

  it('creates in slow-start batches', () => {
    assert.deepEqual(slowStartBatches(10), [1, 2, 4, 3]);
    assert.deepEqual(slowStartBatches(0), []);
  });
});
