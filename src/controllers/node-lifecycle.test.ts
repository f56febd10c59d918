import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { NodeLifecycleController, planNode, UNREACHABLE_TAINT } from './node-lifecycle.js';
import type { Node, Taint } from '../apis/core/nodes.js';
import type { Pod } from '../apis/core/pods.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import { startTestApi } from '../../test/support/api.js';
import { R } from '../client/client.js';
import { eventually } from '../../test/support/eventually.js';

const T0 = Date.UTC(2026, 0, 1);
const GRACE = 40_000;
const node = (ready: string, taints: Taint[] = []): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'n1' },
  spec: { taints },
  status: { conditions: [{ type: 'MemoryPressure', status: ready === 'Unknown' ? 'Unknown' : 'False' }, { type: 'Ready', status: ready, reason: 'KubeletReady', lastHeartbeatTime: '2026-01-01T00:00:00Z' }] },
});

describe('planNode', () => {
  const cases: { name: string; node: Node; sinceProbe: number; conditions?: string[]; taints?: string[]; podsNotReady: boolean }[] = [
    { name: 'heard from within the grace period: nothing', node: node('True'), sinceProbe: GRACE - 1, podsNotReady: false },
    { name: 'silent for the grace period: Unknown, unreachable taints', node: node('True'), sinceProbe: GRACE, conditions: ['MemoryPressure=Unknown', 'Ready=Unknown'], taints: [`${UNREACHABLE_TAINT}:NoSchedule`, `${UNREACHABLE_TAINT}:NoExecute`], podsNotReady: true },
    { name: 'already Unknown and tainted: nothing new', node: node('Unknown', [{ key: UNREACHABLE_TAINT, effect: 'NoSchedule' }, { key: UNREACHABLE_TAINT, effect: 'NoExecute' }]), sinceProbe: GRACE * 2, podsNotReady: true },
    { name: 'Ready again: the taints go, others stay', node: node('True', [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }, { key: UNREACHABLE_TAINT, effect: 'NoExecute' }]), sinceProbe: 0, taints: ['dedicated:NoSchedule'], podsNotReady: false },
    { name: 'Ready False (the agent says so): not-ready taints', node: node('False'), sinceProbe: 0, taints: ['node.kubernetes.io/not-ready:NoSchedule', 'node.kubernetes.io/not-ready:NoExecute'], podsNotReady: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planNode(c.node, T0, T0 + c.sinceProbe, GRACE);
      assert.deepEqual(plan.conditions?.map((x) => `${x.type}=${x.status}`), c.conditions);
      assert.deepEqual(plan.taints?.map((t) => `${t.key}:${t.effect}`), c.taints);
      assert.equal(plan.podsNotReady, c.podsNotReady);
      const ready = plan.conditions?.find((x) => x.type === 'Ready');
      if (ready) assert.deepEqual([ready.reason, ready.message], ['NodeStatusUnknown', 'Kubelet stopped posting node status.']);
    });
  }
});

describe('NodeLifecycleController', () => {
  it('marks a silent node Unknown and its pods not Ready; a renewed lease keeps it alive', async () => {
    const api = await startTestApi();
    const client = api.client();
    const clock = new FakeClock(Date.now());
    const renew = async (): Promise<void> => {
      const lease = await client.get(R.leases, 'kube-node-lease', 'n1');
      await client.update(R.leases, 'kube-node-lease', { ...lease, spec: { ...lease.spec, renewTime: new Date(clock.now()).toISOString() } });
    };
    await client.create(R.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    const created = await client.get<Node>(R.nodes, undefined, 'n1');
    await client.update(R.nodes, undefined, { ...created, status: node('True').status }, { subresource: 'status' });
    await client.create(R.leases, 'kube-node-lease', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n1' }, spec: { holderIdentity: 'n1', leaseDurationSeconds: 40, renewTime: new Date(clock.now()).toISOString() } });
    await client.create(R.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx' }] } });
    const pod = await client.get<Pod>(R.pods, 'default', 'p');
    await client.update(R.pods, 'default', { ...pod, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, { subresource: 'status' });

    const c = new NodeLifecycleController({ client, log: pino({ level: 'silent' }), clock, gracePeriodMs: GRACE });
    await c.start();
    try {
      const readyOf = async () => (await client.get<Node>(R.nodes, undefined, 'n1')).status?.conditions?.find((x) => x.type === 'Ready')?.status;
      await c.monitor();
      // Renewed at 30 s: still alive at 60 s (30 s after the renewal).
      clock.advance(30_000);
      await renew();
      await eventually(async () => {
        await c.monitor();
        return (c as unknown as { probes: Map<string, { at: number }> }).probes.get('n1')?.at === clock.now();
      }, 10_000, 'the renewal seen');
      clock.advance(30_000);
      await c.monitor();
      assert.equal(await readyOf(), 'True');
      // Silent for the grace period: Unknown, tainted, pods not Ready.
      clock.advance(10_000);
      await eventually(async () => { await c.monitor(); return (await readyOf()) === 'Unknown'; }, 10_000, 'node Unknown');
      const n = await client.get<Node>(R.nodes, undefined, 'n1');
      assert.deepEqual(n.spec?.taints?.map((t) => t.effect), ['NoSchedule', 'NoExecute']);
      await eventually(async () => {
        await c.monitor();
        const p = await client.get<Pod>(R.pods, 'default', 'p');
        return p.status?.conditions?.find((x) => x.type === 'Ready')?.status === 'False';
      }, 10_000, 'pod not Ready');
      // The agent is back and posts Ready: the taints go.
      await renew();
      const back = await client.get<Node>(R.nodes, undefined, 'n1');
      await client.update(R.nodes, undefined, { ...back, status: node('True').status }, { subresource: 'status' });
      await eventually(async () => {
        await c.monitor();
        return ((await client.get<Node>(R.nodes, undefined, 'n1')).spec?.taints ?? []).length === 0;
      }, 10_000, 'taints removed');
    } finally {
      c.stop();
      await api.close();
    }
  });

  it('evicts the pods of an unreachable node when their tolerations run out (taint manager)', async () => {
    const api = await startTestApi();
    const client = api.client();
    const clock = new FakeClock(Date.now());
    await client.create(R.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    const created = await client.get<Node>(R.nodes, undefined, 'n1');
    await client.update(R.nodes, undefined, { ...created, status: node('True').status }, { subresource: 'status' });
    const podOn = (name: string, tolerations?: object[]) =>
      client.create(R.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx' }], ...(tolerations ? { tolerations } : {}) } });
    await podOn('default-300s');
    await podOn('ten-seconds', [{ key: UNREACHABLE_TAINT, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }]);
    await podOn('for-ever', [{ operator: 'Exists' }]);
    const c = new NodeLifecycleController({ client, log: pino({ level: 'silent' }), clock, gracePeriodMs: GRACE });
    await c.start();
    const evicted = async (): Promise<string[]> =>
      (await client.list<Pod>(R.pods, 'default')).items.filter((p) => p.metadata.deletionTimestamp).map((p) => p.metadata.name!).sort();
    try {
      await c.monitor();
      clock.advance(GRACE);
      await eventually(async () => {
        await c.monitor();
        return ((await client.get<Node>(R.nodes, undefined, 'n1')).spec?.taints ?? []).some((t) => t.effect === 'NoExecute');
      }, 10_000, 'the NoExecute taint');
      await c.monitor();
      assert.deepEqual(await evicted(), []);
      clock.advance(10_000);
      await eventually(async () => { await c.monitor(); return (await evicted()).length === 1; }, 10_000, 'the 10 s pod evicted');
      assert.deepEqual(await evicted(), ['ten-seconds']);
      const gone = await client.get<Pod>(R.pods, 'default', 'ten-seconds');
      assert.equal(gone.status?.conditions?.find((x) => x.type === 'DisruptionTarget')?.reason, 'DeletionByTaintManager');
      clock.advance(290_000);
      await eventually(async () => { await c.monitor(); return (await evicted()).length === 2; }, 10_000, 'the default 300 s pod evicted');
      assert.deepEqual(await evicted(), ['default-300s', 'ten-seconds']);
    } finally {
      c.stop();
      await api.close();
    }
  });
});
