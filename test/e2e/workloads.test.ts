// Deployments as the tutorials drive them with the real kubectl: create, scale, roll out a new
// image, read the history, undo, restart, pause, cordon a node, and delete with each cascade.
// Every test waits for real pods (Running, Ready): they need the node agent of `tinykube up`.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Tinykube, eventually, rows } from './harness.js';

describe('Deployments with kubectl', () => {
  let t: Tinykube;
  before(async () => {
    t = await Tinykube.start();
    await t.readyNode();
  });
  after(async () => {
    await t?.destroy();
  });

  const rollout = (d: string): string => t.k(['rollout', 'status', `deployment/${d}`, '--timeout=90s']);
  /** Phase, IP, image and Ready condition of the pods of app=NAME that are not terminating. */
  const pods = (app: string): { name: string; status: string; ip: string; image: string; ready: string }[] =>
    rows(
      t.k([
        'get',
        'pods',
        '-l',
        `app=${app}`,
        '-o',
        'custom-columns=NAME:.metadata.name,PHASE:.status.phase,IP:.status.podIP,IMAGE:.spec.containers[0].image,READY:.status.conditions[?(@.type=="Ready")].status,DELETING:.metadata.deletionTimestamp',
      ]),
    )
      .filter((r) => r[5] === '<none>')
      .map((r) => ({ name: r[0], status: r[1], ip: r[2], image: r[3], ready: r[4] }));
  const settled = (app: string, n: number, image?: string) =>
    eventually(() => {
      const ps = pods(app);
      return ps.length === n && ps.every((p) => p.status === 'Running' && p.ready === 'True' && (!image || p.image === image)) ? ps : undefined;
    }, 60_000, `${n} Running, Ready pods of ${app}${image ? ` with ${image}` : ''}`);

  it('create deployment: 3 Running, Ready pods with distinct IPs; READY 3/3', async () => {
    t.k('create deployment web --image=nginx:1.25 --replicas=3');
    assert.match(rollout('web'), /deployment "web" successfully rolled out/);
    const ps = (await settled('web', 3))!;
    assert.equal(new Set(ps.map((p) => p.ip)).size, 3);
    assert.ok(ps.every((p) => /^127\.244\.\d+\.\d+$/.test(p.ip)));
    const [d] = rows(t.k('get deployment web'));
    assert.deepEqual(d.slice(0, 4), ['web', '3/3', '3', '3']);
    const [rs] = rows(t.k('get rs -l app=web'));
    assert.match(rs[0], /^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.deepEqual(rs.slice(1, 4), ['3', '3', '3']);
    assert.match(t.k('describe deployment web'), /Available\s+True\s+MinimumReplicasAvailable[\s\S]*Progressing\s+True\s+NewReplicaSetAvailable/);
    assert.match(t.k('get events --field-selector involvedObject.kind=Deployment'), /ScalingReplicaSet\s+deployment\/web\s+Scaled up replica set web-\w+ from 0 to 3/);
  });

  it('a deleted pod is replaced by a new one with a new name', async () => {
    const [victim] = pods('web');
    t.k(['delete', 'pod', victim.name]);
    const ps = (await settled('web', 3))!;
    assert.ok(!ps.some((p) => p.name === victim.name));
  });

  it('kubectl scale up and down', async () => {
    assert.match(t.k('scale deployment web --replicas=5'), /deployment.apps\/web scaled/);
    rollout('web');
    await settled('web', 5);
    t.k('scale deployment web --replicas=2');
    rollout('web');
    await settled('web', 2);
    assert.deepEqual(rows(t.k('get deployment web'))[0].slice(1, 4), ['2/2', '2', '2']);
  });

  it('set image rolls out revision 2; history lists it with its change-cause', async () => {
    t.k('set image deployment/web nginx=nginx:1.26');
    t.k(['annotate', 'deployment', 'web', 'kubernetes.io/change-cause=upgrade to 1.26']);
    assert.match(rollout('web'), /successfully rolled out/);
    await settled('web', 2, 'nginx:1.26');
    const history = rows(t.k('rollout history deployment/web').split('\n').slice(1).join('\n'));
    assert.deepEqual(history, [['1', '<none>'], ['2', 'upgrade to 1.26']]);
    assert.match(t.k('rollout history deployment/web --revision=1'), /Image:\s+nginx:1\.25/);
  });

  it('rollout undo goes back to the previous template as revision 3', async () => {
    assert.match(t.k('rollout undo deployment/web'), /deployment.apps\/web rolled back/);
    rollout('web');
    await settled('web', 2, 'nginx:1.25');
    const revisions = rows(t.k('rollout history deployment/web').split('\n').slice(1).join('\n')).map((r) => r[0]);
    assert.deepEqual(revisions, ['2', '3'], 'the ReplicaSet of revision 1 is reused as revision 3');
    assert.equal(rows(t.k('get rs -l app=web')).length, 2);
    assert.equal(t.k(['get', 'deployment', 'web', '-o', 'jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}']), '3');
  });

  it('rollout restart replaces every pod', async () => {
    const before = new Set(pods('web').map((p) => p.name));
    assert.match(t.k('rollout restart deployment/web'), /deployment.apps\/web restarted/);
    rollout('web');
    const ps = (await settled('web', 2))!;
    assert.ok(ps.every((p) => !before.has(p.name)));
    assert.equal(t.k(['get', 'deployment', 'web', '-o', 'jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}']), '4');
  });

  it('a paused deployment rolls out only when resumed', async () => {
    const replicaSets = rows(t.k('get rs -l app=web')).length;
    t.k('rollout pause deployment/web');
    t.k('set image deployment/web nginx=nginx:1.27');
    await eventually(() => t.k('describe deployment web').includes('DeploymentPaused'), 20_000, 'paused condition');
    assert.equal(rows(t.k('get rs -l app=web')).length, replicaSets, 'no new ReplicaSet while paused');
    t.k('rollout resume deployment/web');
    rollout('web');
    await settled('web', 2, 'nginx:1.27');
  });

  it('a cordoned node takes no new pods; uncordon lets them run', async () => {
    const node = rows(t.k('get nodes'))[0][0];
    t.k(['cordon', node]);
    try {
      t.k('create deployment cordoned --image=nginx --replicas=1');
      await eventually(() => t.k('get events --field-selector reason=FailedScheduling').includes('0/1 nodes are available: 1 node(s) were unschedulable.'), 30_000, 'FailedScheduling');
      assert.equal(rows(t.k('get pods -l app=cordoned'))[0][2], 'Pending');
    } finally {
      t.k(['uncordon', node]);
    }
    await settled('cordoned', 1);
    assert.match(t.k('get events --field-selector reason=Scheduled'), /Successfully assigned default\/cordoned-\w+-\w+ to /);
    t.k('delete deployment cordoned');
  });

  it('delete deployment removes its ReplicaSets and pods', async () => {
    t.k('delete deployment web');
    await eventually(() => rows(t.k('get rs -l app=web')).length === 0 && rows(t.k('get pods -l app=web')).length === 0, 60_000, 'everything of web gone');
  });

  it('delete --cascade=foreground returns once the pods are gone', async () => {
    t.k('create deployment fg --image=nginx --replicas=2');
    rollout('fg');
    await settled('fg', 2);
    t.k('delete deployment fg --cascade=foreground');
    // kubectl waited for the Deployment, which waited for its dependents.
    assert.equal(rows(t.k('get rs -l app=fg')).length, 0);
    assert.equal(rows(t.k('get pods -l app=fg')).length, 0);
  });

  it('delete --cascade=orphan keeps the ReplicaSet and its pods, without an owner', async () => {
    t.k('create deployment orphan --image=nginx --replicas=2');
    rollout('orphan');
    const ps = (await settled('orphan', 2))!;
    t.k('delete deployment orphan --cascade=orphan');
    await eventually(() => t.kubectl('get deployment orphan').code !== 0, 20_000, 'deployment gone');
    assert.equal(t.k(['get', 'rs', '-l', 'app=orphan', '-o', 'jsonpath={.items[*].metadata.ownerReferences}']), '');
    const still = (await settled('orphan', 2))!;
    assert.deepEqual(still.map((p) => p.name).sort(), ps.map((p) => p.name).sort());
    t.k('delete rs -l app=orphan');
    await eventually(() => rows(t.k('get pods -l app=orphan')).length === 0, 60_000, 'orphaned pods deleted with their ReplicaSet');
  });
});
