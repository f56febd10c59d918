import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { KubeObject } from '../apis/types.js';
import { R, type Client } from '../client/client.js';
import { Informer } from '../client/informer.js';
import { startTestApi, type TestApi } from '../../test/support/api.js';
import { startWorkloadControllers, type WorkloadControllers } from './workloads.js';
import { startFakeNode, type FakeNode } from '../../test/support/workloads.js';
import { controllerOf } from './controller-ref.js';
import { isPodActive } from './replicaset-pods.js';
import { POD_TEMPLATE_HASH } from './deployment-hash.js';
import { eventually } from '../../test/support/eventually.js';

const log = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const NS = 'default';

function deployment(name: string, image: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image }] } },
      ...extra,
    },
  };
}

const imageOf = (p: KubeObject): string => p.spec?.template?.spec?.containers?.[0]?.image ?? p.spec?.containers?.[0]?.image;

async function activePods(client: Client, app: string): Promise<KubeObject[]> {
  return (await client.list(R.pods, NS, { labelSelector: `app=${app}` })).items.filter(isPodActive);
}

async function replicaSetsOf(client: Client, d: string): Promise<KubeObject[]> {
  const uid = (await client.get(R.deployments, NS, d)).metadata.uid;
  return (await client.list(R.replicaSets, NS)).items.filter((rs) => controllerOf(rs)?.uid === uid);
}

const revision = (o: KubeObject): string | undefined => o.metadata.annotations?.['deployment.kubernetes.io/revision'];

/** Done as `kubectl rollout status` judges it. */
async function rolledOut(client: Client, name: string): Promise<KubeObject | false> {
  const d = await client.get(R.deployments, NS, name);
  const s = d.status ?? {};
  const n = d.spec.replicas;
  return s.observedGeneration >= d.metadata.generation! && s.updatedReplicas === n && s.replicas === n && s.availableReplicas === n && d;
}

/** What `kubectl rollout undo` sends: the old ReplicaSet's template (without the hash) and annotations. */
async function undoTo(client: Client, name: string, rev: string): Promise<void> {
  const rs = (await replicaSetsOf(client, name)).find((r) => revision(r) === rev)!;
  const template = structuredClone(rs.spec.template);
  delete template.metadata.labels[POD_TEMPLATE_HASH];
  const d = await client.get(R.deployments, NS, name);
  const skip = new Set(['deployment.kubernetes.io/revision', 'deployment.kubernetes.io/revision-history', 'deployment.kubernetes.io/desired-replicas', 'deployment.kubernetes.io/max-replicas', 'kubectl.kubernetes.io/last-applied-configuration', 'deprecated.deployment.rollback.to']);
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (skip.has(k)) annotations[k] = v;
  for (const [k, v] of Object.entries(rs.metadata.annotations ?? {})) if (!skip.has(k)) annotations[k] = v;
  await client.patch(R.deployments, NS, name, 'json', [
    { op: 'replace', path: '/spec/template', value: template },
    { op: 'replace', path: '/metadata/annotations', value: annotations },
  ]);
}

/** Records the most pods of `app` active at once, and the images active together. */
function observe(client: Client, app: string): { max: () => number; mixed: () => boolean; stop: () => void; start: () => Promise<void> } {
  const inf = new Informer(client, R.pods, { labelSelector: `app=${app}` });
  let max = 0;
  let mixed = false;
  const check = (): void => {
    const active = inf.list().filter(isPodActive);
    max = Math.max(max, active.length);
    if (new Set(active.map(imageOf)).size > 1) mixed = true;
  };
  inf.on({ add: check, update: check, delete: check });
  return { max: () => max, mixed: () => mixed, stop: () => inf.stop(), start: () => inf.start() };
}

describe('Deployment controller', () => {
  let api: TestApi;
  let client: Client;
  let controllers: WorkloadControllers;
  let node: FakeNode;
  let now = new Date();

  before(async () => {
    api = await startTestApi();
    client = api.client('test');
    node = await startFakeNode(client, 'node-1');
    controllers = await startWorkloadControllers({ client: api.client('controllers'), log, now: () => now });
  });
  after(async () => {
    controllers.stop();
    node.stop();
    await api.close();
  });

  it('creates a ReplicaSet named by the template hash, with revision 1, and reports the rollout complete', async () => {
    await client.create(R.deployments, NS, deployment('web', 'nginx:1.0'));
    const d = await eventually(() => rolledOut(client, 'web'), 10_000, 'rollout');
    const [rs] = await replicaSetsOf(client, 'web');
    const hash = rs.metadata.labels![POD_TEMPLATE_HASH];
    assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]{6,10}$/);
    assert.equal(rs.metadata.name, `web-${hash}`);
    assert.deepEqual(rs.spec.selector.matchLabels, { app: 'web', [POD_TEMPLATE_HASH]: hash });
    assert.equal(revision(rs), '1');
    assert.equal(revision(d), '1');
    assert.equal(d.status.readyReplicas, 3);
    assert.equal(d.status.unavailableReplicas, undefined, 'zero counters are left out, as omitempty does');
    const conds = Object.fromEntries(d.status.conditions.map((c: { type: string; reason: string; status: string }) => [c.type, `${c.status}/${c.reason}`]));
    assert.deepEqual(conds, { Available: 'True/MinimumReplicasAvailable', Progressing: 'True/NewReplicaSetAvailable' });
    const pods = await activePods(client, 'web');
    assert.equal(pods.length, 3);
    assert.ok(pods.every((p) => p.metadata.labels?.[POD_TEMPLATE_HASH] === hash && p.spec.nodeName === 'node-1'));
  });

  it('rolls from v1 to v2 within maxSurge, ending with only v2 pods at revision 2', async () => {
    const watch = observe(client, 'web');
    await watch.start();
    await client.patch(R.deployments, NS, 'web', 'merge', { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:2.0' }] } } } });
    const d = await eventually(async () => {
      const done = await rolledOut(client, 'web');
      const pods = await activePods(client, 'web');
      return done && pods.length === 3 && pods.every((p) => imageOf(p) === 'nginx:2.0') && done;
    }, 10_000, 'v2 rollout');
    watch.stop();
    assert.ok(watch.max() <= 4, `at most replicas + maxSurge (25% of 3, rounded up: 1) pods at once, saw ${watch.max()}`);
    assert.equal(revision(d), '2');
    const rss = await replicaSetsOf(client, 'web');
    assert.deepEqual(rss.map((rs) => [revision(rs), imageOf(rs), rs.spec.replicas]).sort(), [['1', 'nginx:1.0', 0], ['2', 'nginx:2.0', 3]]);
  });

  it('rolls back to v1 as kubectl rollout undo does, reusing the old ReplicaSet as revision 3', async () => {
    const before = (await replicaSetsOf(client, 'web')).find((rs) => revision(rs) === '1')!;
    await undoTo(client, 'web', '1');
    await eventually(async () => {
      const done = await rolledOut(client, 'web');
      const pods = await activePods(client, 'web');
      return done && revision(done) === '3' && pods.length === 3 && pods.every((p) => imageOf(p) === 'nginx:1.0');
    }, 10_000, 'undo');
    const rss = await replicaSetsOf(client, 'web');
    assert.equal(rss.length, 2);
    const reused = rss.find((rs) => rs.metadata.uid === before.metadata.uid)!;
    assert.equal(revision(reused), '3');
    assert.equal(reused.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1');
  });

  it('restarts (template annotation restartedAt) with a new ReplicaSet, and scales', async () => {
    await client.patch(R.deployments, NS, 'web', 'strategic', {
      spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2024-01-01T00:00:00Z' } } } },
    });
    await eventually(async () => {
      const done = await rolledOut(client, 'web');
      return done && revision(done) === '4';
    }, 10_000, 'restart');
    assert.equal((await replicaSetsOf(client, 'web')).length, 3);
    await client.patch(R.deployments, NS, 'web', 'merge', { spec: { replicas: 5 } });
    await eventually(async () => (await rolledOut(client, 'web')) && (await activePods(client, 'web')).length === 5, 10_000, 'scale up');
    await client.patch(R.deployments, NS, 'web', 'merge', { spec: { replicas: 1 } });
    await eventually(async () => (await rolledOut(client, 'web')) && (await activePods(client, 'web')).length === 1, 10_000, 'scale down');
  });

  it('keeps at most revisionHistoryLimit old ReplicaSets', async () => {
    await client.create(R.deployments, NS, deployment('hist', 'nginx:1', { replicas: 1, revisionHistoryLimit: 1 }));
    for (const v of ['2', '3', '4']) {
      await eventually(() => rolledOut(client, 'hist'), 10_000, 'rollout');
      await client.patch(R.deployments, NS, 'hist', 'merge', { spec: { template: { spec: { containers: [{ name: 'web', image: `nginx:${v}` }] } } } });
    }
    await eventually(async () => {
      const done = await rolledOut(client, 'hist');
      const rss = await replicaSetsOf(client, 'hist');
      return done && revision(done) === '4' && rss.length === 2;
    }, 10_000, 'history cleaned up');
    assert.deepEqual((await replicaSetsOf(client, 'hist')).map(revision).sort(), ['3', '4']);
  });

  it('does not roll out while paused, and does once resumed', async () => {
    await client.create(R.deployments, NS, deployment('paused', 'nginx:1', { replicas: 2 }));
    await eventually(() => rolledOut(client, 'paused'), 10_000, 'rollout');
    await client.patch(R.deployments, NS, 'paused', 'merge', { spec: { paused: true } });
    await eventually(async () => {
      const d = await client.get(R.deployments, NS, 'paused');
      return d.status.conditions.some((c: { reason: string }) => c.reason === 'DeploymentPaused');
    }, 10_000, 'paused condition');
    await client.patch(R.deployments, NS, 'paused', 'merge', { spec: { replicas: 3, template: { spec: { containers: [{ name: 'web', image: 'nginx:2' }] } } } });
    await eventually(async () => (await activePods(client, 'paused')).length === 3, 10_000, 'scaled while paused');
    await controllers.idle();
    assert.equal((await replicaSetsOf(client, 'paused')).length, 1, 'no new ReplicaSet while paused');
    await client.patch(R.deployments, NS, 'paused', 'merge', { spec: { paused: false } });
    await eventually(async () => {
      const pods = await activePods(client, 'paused');
      return (await rolledOut(client, 'paused')) && pods.length === 3 && pods.every((p) => imageOf(p) === 'nginx:2');
    }, 10_000, 'rollout after resume');
  });

  it('Recreate stops every old pod before starting new ones', async () => {
    await client.create(R.deployments, NS, deployment('recreate', 'nginx:1', { strategy: { type: 'Recreate' } }));
    await eventually(() => rolledOut(client, 'recreate'), 10_000, 'rollout');
    const watch = observe(client, 'recreate');
    await watch.start();
    await client.patch(R.deployments, NS, 'recreate', 'merge', { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:2' }] } } } });
    await eventually(async () => {
      const pods = await activePods(client, 'recreate');
      return (await rolledOut(client, 'recreate')) && pods.length === 3 && pods.every((p) => imageOf(p) === 'nginx:2');
    }, 10_000, 'recreate rollout');
    watch.stop();
    assert.equal(watch.mixed(), false, 'old and new pods never ran together');
  });

  it('a rollout whose pods never become ready keeps the old pods and exceeds its progress deadline', async () => {
    node.ready = (p) => imageOf(p) !== 'broken';
    await client.create(R.deployments, NS, deployment('stuck', 'nginx:1', { replicas: 4, progressDeadlineSeconds: 60 }));
    await eventually(() => rolledOut(client, 'stuck'), 10_000, 'rollout');
    await client.patch(R.deployments, NS, 'stuck', 'merge', { spec: { template: { spec: { containers: [{ name: 'web', image: 'broken' }] } } } });
    // maxSurge 1, maxUnavailable 1 (25% of 4): one new pod beyond 4 and one old pod gone, no further.
    const d = await eventually(async () => {
      const x = await client.get(R.deployments, NS, 'stuck');
      return x.status?.updatedReplicas === 2 && x.status?.replicas === 5 && x.status?.availableReplicas === 3 && x;
    }, 10_000, 'stalled rollout');
    assert.equal(d.status.conditions.find((c: { type: string }) => c.type === 'Progressing').reason, 'ReplicaSetUpdated');
    now = new Date(now.getTime() + 61_000);
    await client.patch(R.deployments, NS, 'stuck', 'merge', { metadata: { labels: { poke: 'now' } } });
    await eventually(async () => {
      const x = await client.get(R.deployments, NS, 'stuck');
      const c = x.status.conditions.find((c: { type: string }) => c.type === 'Progressing');
      return c.reason === 'ProgressDeadlineExceeded' && c.status === 'False' && c.message.endsWith('has timed out progressing.');
    }, 10_000, 'deadline exceeded');
    node.ready = () => true;
  });
});
