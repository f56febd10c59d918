import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { KubeObject } from '../apis/types.js';
import type { Node } from '../apis/core/nodes.js';
import { R, type Client } from '../client/client.js';
import { EventRecorder } from '../client/events.js';
import { Informer } from '../client/informer.js';
import { startTestApi, type TestApi } from '../../test/support/api.js';
import { Scheduler } from './scheduler.js';
import { NodeLoads } from './scheduler-loads.js';
import { place, type Placement } from './scheduler-decisions.js';
import { startFakeNode, type FakeNode } from '../../test/support/workloads.js';
import { eventually } from '../../test/support/eventually.js';

const log = pino({ level: 'silent' });
const NS = 'default';

const pod = (name: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: NS },
  spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec },
});

describe('scheduler', () => {
  let api: TestApi;
  let client: Client;
  let scheduler: Scheduler;
  const nodes: FakeNode[] = [];
  const informers: Informer[] = [];

  before(async () => {
    api = await startTestApi();
    client = api.client('test');
    const sclient = api.client('default-scheduler');
    const pods = new Informer(sclient, R.pods);
    const nodeInf = new Informer<Node>(sclient, R.nodes);
    informers.push(pods, nodeInf);
    scheduler = new Scheduler({ client: sclient, log, events: new EventRecorder(sclient, 'default-scheduler'), now: () => new Date() }, pods, nodeInf);
    await Promise.all(informers.map((i) => i.start()));
    scheduler.start();
  });
  after(async () => {
    scheduler.stop();
    for (const i of informers) i.stop();
    for (const n of nodes) n.stop();
    await api.close();
  });

  const nodeOf = (name: string): Promise<string | undefined> => client.get(R.pods, NS, name).then((p) => p.spec.nodeName);
  const eventsOf = async (name: string): Promise<{ reason: string; message: string; type: string; source: { component: string } }[]> =>
    (await client.list(R.events, NS)).items.filter((e) => (e.involvedObject as { name: string }).name === name) as never;

  it('leaves a pod pending while there is no node, and says why', async () => {
    await client.create(R.pods, NS, pod('early'));
    const [ev] = await eventually(async () => {
      const evs = await eventsOf('early');
      return evs.length > 0 && evs;
    }, 10_000, 'FailedScheduling');
    assert.deepEqual([ev.type, ev.reason, ev.message, ev.source.component], ['Warning', 'FailedScheduling', 'no nodes available to schedule pods', 'default-scheduler']);
    const p = await client.get(R.pods, NS, 'early');
    assert.equal(p.spec.nodeName, undefined);
    const cond = p.status.conditions.find((c: { type: string }) => c.type === 'PodScheduled');
    assert.deepEqual([cond.status, cond.reason], ['False', 'Unschedulable']);
  });

  it('binds pending pods once a Ready node appears, spreading them by pod count', async () => {
    nodes.push(await startFakeNode(client, 'node-a', { disk: 'ssd' }));
    await eventually(async () => (await nodeOf('early')) === 'node-a', 10_000, 'early bound');
    // The Event is written after the binding, and may land a commit later.
    const [ev] = await eventually(async () => {
      const evs = (await eventsOf('early')).filter((e) => e.reason === 'Scheduled');
      return evs.length > 0 && evs;
    }, 10_000, 'Scheduled');
    assert.equal(ev.message, 'Successfully assigned default/early to node-a');
    nodes.push(await startFakeNode(client, 'node-b'));
    for (const n of ['s1', 's2', 's3']) await client.create(R.pods, NS, pod(n));
    const placed = await eventually(async () => {
      const all = await Promise.all(['s1', 's2', 's3'].map(nodeOf));
      return all.every(Boolean) && all;
    }, 10_000, 'bound');
    const onB = placed.filter((n) => n === 'node-b').length;
    assert.equal(onB, 2, `node-b had fewer pods, so it takes two of three: ${placed}`);
  });

  it('honours nodeSelector, nodeName and cordon', async () => {
    await client.create(R.pods, NS, pod('ssd', { nodeSelector: { disk: 'ssd' } }));
    await eventually(async () => (await nodeOf('ssd')) === 'node-a', 10_000, 'ssd on node-a');
    await client.create(R.pods, NS, pod('nowhere', { nodeSelector: { disk: 'tape' } }));
    const [ev] = await eventually(async () => {
      const evs = await eventsOf('nowhere');
      return evs.length > 0 && evs;
    }, 10_000, 'FailedScheduling');
    assert.equal(
      ev.message,
      "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
    );
    await client.create(R.pods, NS, pod('pinned', { nodeName: 'node-b' }));
    assert.equal(await nodeOf('pinned'), 'node-b');
    await client.patch(R.nodes, undefined, 'node-b', 'merge', { spec: { unschedulable: true } });
    await eventually(async () => informers[1].get(undefined, 'node-b')?.spec?.unschedulable, 10_000, 'the scheduler sees the cordon');
    for (const n of ['c1', 'c2']) await client.create(R.pods, NS, pod(n));
    const placed = await eventually(async () => {
      const all = await Promise.all(['c1', 'c2'].map(nodeOf));
      return all.every(Boolean) && all;
    }, 10_000, 'bound');
    assert.deepEqual(placed, ['node-a', 'node-a']);
  });

  it('spreads the replicas of one owner, counting a node that becomes Ready a moment later', async () => {
    await client.patch(R.nodes, undefined, 'node-b', 'merge', { spec: { unschedulable: false } });
    await client.create(R.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-c' } });
    await eventually(async () => informers[1].get(undefined, 'node-c') && !informers[1].get(undefined, 'node-b')?.spec?.unschedulable, 10_000, 'the scheduler sees node-c and node-b uncordoned');
    const owner = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'f1d2d2f9-0000-4000-8000-000000000001', controller: true };
    const names = ['web-1-a', 'web-1-b', 'web-1-c'];
    for (const n of names) await client.create(R.pods, NS, { ...pod(n), metadata: { name: n, namespace: NS, ownerReferences: [owner] } });
    await eventually(async () => (await Promise.all(names.map(nodeOf))).filter(Boolean).length === 2, 10_000, 'two replicas bound on the Ready nodes');
    const node = await client.get(R.nodes, undefined, 'node-c');
    await client.update(R.nodes, undefined, { ...node, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] } }, { subresource: 'status' });
    const placed = await eventually(async () => {
      const all = await Promise.all(names.map(nodeOf));
      return all.every(Boolean) && all;
    }, 10_000, 'all bound');
    assert.deepEqual([...placed].sort(), ['node-a', 'node-b', 'node-c']);
  });

  it('leaves pods of other schedulers alone', async () => {
    await client.create(R.pods, NS, pod('other', { schedulerName: 'my-scheduler' }));
    // Pods are seen in order: once a later pod is bound, the earlier one was looked at.
    await client.create(R.pods, NS, pod('later'));
    await eventually(async () => (await nodeOf('later')) !== undefined, 10_000, 'later bound');
    assert.equal(await nodeOf('other'), undefined);
  });
});

describe('scheduler decisions', () => {
  const node = (name: string, o: { ready?: boolean; unschedulable?: boolean; labels?: Record<string, string>; taints?: { key: string; value?: string; effect: string }[] } = {}): Node => ({
    metadata: { name, labels: o.labels },
    spec: { unschedulable: o.unschedulable, taints: o.taints },
    status: { conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  });
  const p = (spec: Record<string, unknown> = {}): KubeObject => ({ metadata: { name: 'p' }, spec });
  const cases: { name: string; pod: KubeObject; nodes: Node[]; counts?: Record<string, number>; want: Placement }[] = [
    { name: 'fewest pods wins', pod: p(), nodes: [node('a'), node('b')], counts: { a: 2, b: 1 }, want: { node: 'b' } },
    { name: 'ties go by name', pod: p(), nodes: [node('b'), node('a')], want: { node: 'a' } },
    {
      name: 'not ready and cordoned nodes are skipped',
      pod: p(),
      nodes: [node('a', { ready: false }), node('b', { unschedulable: true })],
      want: { message: '0/2 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }, 1 node(s) were unschedulable. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.' },
    },
    { name: 'a toleration lets a pod onto a cordoned node', pod: p({ tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] }), nodes: [node('a', { unschedulable: true })], want: { node: 'a' } },
    {
      name: 'an untolerated taint',
      pod: p(),
      nodes: [node('a', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] })],
      want: { message: '0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.' },
    },
    { name: 'a tolerated taint', pod: p({ tolerations: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }), nodes: [node('a', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] })], want: { node: 'a' } },
    { name: 'PreferNoSchedule does not filter', pod: p(), nodes: [node('a', { taints: [{ key: 'x', effect: 'PreferNoSchedule' }] })], want: { node: 'a' } },
    {
      name: 'required node affinity',
      pod: p({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z2'] }] }] } } } }),
      nodes: [node('a', { labels: { zone: 'z1' } }), node('b', { labels: { zone: 'z2' } })],
      want: { node: 'b' },
    },
    {
      name: 'node affinity Gt',
      pod: p({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['4'] }] }] } } } }),
      nodes: [node('a', { labels: { cores: '4' } }), node('b', { labels: { cores: '8' } })],
      want: { node: 'b' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(place(c.pod, c.nodes, (n) => ({ pods: c.counts?.[n] ?? 0, siblings: 0 }), NOW), c.want);
    });
  }

  // Spreading: the pods of the pod's own owner count first, then all pods.
  const NOW = Date.parse('2026-01-01T00:00:30Z');
  const registered = (name: string, secondsAgo: number, o: Parameters<typeof node>[1] = {}): Node => {
    const n = node(name, o);
    n.metadata.creationTimestamp = new Date(NOW - secondsAgo * 1000).toISOString();
    return n;
  };
  const spreadCases: { name: string; pod?: KubeObject; nodes: Node[]; loads: Record<string, [pods: number, siblings: number]>; want: Placement }[] = [
    { name: 'fewest siblings beats fewest pods', nodes: [node('a'), node('b')], loads: { a: [1, 1], b: [5, 0] }, want: { node: 'b' } },
    { name: 'equal siblings: fewest pods', nodes: [node('a'), node('b')], loads: { a: [3, 1], b: [2, 1] }, want: { node: 'b' } },
    { name: 'a node registered moments ago, not Ready yet, is waited for', nodes: [node('a'), registered('b', 1, { ready: false })], loads: { a: [1, 1] }, want: { waitFor: 'b' } },
    { name: 'the first replica does not wait: it has no sibling anywhere', nodes: [node('a'), registered('b', 1, { ready: false })], loads: {}, want: { node: 'a' } },
    { name: 'a node not Ready for long is not waited for', nodes: [node('a'), registered('b', 60, { ready: false })], loads: { a: [1, 1] }, want: { node: 'a' } },
    {
      name: 'a starting node the pod does not fit is not waited for',
      pod: p({ nodeSelector: { disk: 'ssd' } }),
      nodes: [node('a', { labels: { disk: 'ssd' } }), registered('b', 1, { ready: false })],
      loads: { a: [1, 1] },
      want: { node: 'a' },
    },
  ];
  for (const c of spreadCases) {
    it(c.name, () => {
      const load = (n: string) => ({ pods: c.loads[n]?.[0] ?? 0, siblings: c.loads[n]?.[1] ?? 0 });
      assert.deepEqual(place(c.pod ?? p(), c.nodes, load, NOW), c.want);
    });
  }
});

describe('scheduler node loads', () => {
  it('counts each pod once where it is, and its owner\'s pods per node, as pods are placed, moved and removed', () => {
    const loads = new NodeLoads();
    loads.set('ns/a', 'n1', 'ns/rs1');
    loads.set('ns/b', 'n1', 'ns/rs1');
    loads.set('ns/c', 'n1', undefined);
    loads.set('ns/d', 'n2', 'ns/rs2');
    loads.set('ns/a', 'n1', 'ns/rs1'); // the same again counts nothing more
    assert.deepEqual(loads.load('n1', 'ns/rs1'), { pods: 3, siblings: 2 });
    assert.deepEqual(loads.load('n1', 'ns/rs2'), { pods: 3, siblings: 0 });
    assert.deepEqual(loads.load('n1', undefined), { pods: 3, siblings: 0 });
    loads.set('ns/b', 'n2', 'ns/rs1'); // an assumption replaced by another node's binding
    loads.set('ns/c', undefined, undefined); // finished or gone
    assert.deepEqual(loads.load('n1', 'ns/rs1'), { pods: 1, siblings: 1 });
    assert.deepEqual(loads.load('n2', 'ns/rs1'), { pods: 2, siblings: 1 });
    loads.set('ns/a', undefined, undefined);
    loads.set('ns/nothing', undefined, undefined);
    assert.deepEqual(loads.load('n1', 'ns/rs1'), { pods: 0, siblings: 0 });
    assert.deepEqual(loads.load('n3', 'ns/rs1'), { pods: 0, siblings: 0 });
  });
});
