// StatefulSets and their storage as a tutorial drives them with the real kubectl: a headless
// Service and a StatefulSet with volumeClaimTemplates; ordered creation, stable names, DNS per
// pod, claims bound to local-path volumes (directories under the data dir) that outlive pods,
// scale-down, `up` restarts and the set itself; rolling updates with a partition, history and
// undo, OnDelete; Parallel management; and bad input refused with kubectl's errors.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Tinykube, eventually, rows } from './harness.js';

const sts = (name: string, opts: { replicas: number; policy?: string; probePort?: number; claims?: boolean }): string => `
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: ${name}
spec:
  serviceName: nginx
  replicas: ${opts.replicas}
  podManagementPolicy: ${opts.policy ?? 'OrderedReady'}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        ports: [{containerPort: 80, name: web}]
${opts.probePort ? `        readinessProbe: {tcpSocket: {port: ${opts.probePort}}, periodSeconds: 1}\n` : ''}${
  opts.claims === false
    ? ''
    : `  volumeClaimTemplates:
  - metadata: {name: www}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
`
}`;

const HEADLESS = `
apiVersion: v1
kind: Service
metadata: {name: nginx, labels: {app: nginx}}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{port: 80, name: web}]
`;

describe('StatefulSets and PersistentVolumeClaims with kubectl', () => {
  let t: Tinykube;
  before(async () => {
    t = await Tinykube.start();
    await t.readyNode();
  });
  after(async () => {
    await t?.destroy();
  });

  const jsonpath = (what: string, path: string): string => t.k(['get', ...what.split(' '), '-o', `jsonpath=${path}`]);
  const rollout = (name: string): string => t.k(['rollout', 'status', `statefulset/${name}`, '--timeout=90s']);
  /** name → [phase, ready, image, revision] of the live pods of app=NAME. */
  const pods = (app: string): Map<string, string[]> =>
    new Map(
      rows(
        t.k([
          'get', 'pods', '-l', `app=${app}`, '-o',
          'custom-columns=NAME:.metadata.name,PHASE:.status.phase,READY:.status.conditions[?(@.type=="Ready")].status,IMAGE:.spec.containers[0].image,REV:.metadata.labels.controller-revision-hash,DEL:.metadata.deletionTimestamp',
        ]),
      )
        .filter((r) => r[5] === '<none>')
        .map((r) => [r[0], r.slice(1, 5)]),
    );
  const settled = (app: string, names: string[], image = 'nginx:1.25') =>
    eventually(() => {
      const ps = pods(app);
      return ps.size === names.length && names.every((n) => ps.get(n)?.[0] === 'Running' && ps.get(n)?.[1] === 'True' && ps.get(n)?.[2] === image) ? ps : undefined;
    }, 60_000, `${names.join(',')} Running and Ready with ${image}`);

  it('creates web-0, web-1, web-2 in order, each after the previous is Ready, with a bound claim each', async () => {
    t.k(['apply', '-f', t.manifest('headless.yaml', HEADLESS)]);
    t.k(['apply', '-f', t.manifest('web.yaml', sts('web', { replicas: 3 }))]);
    // kubectl words a RollingUpdate with a partition (defaulted to 0) so.
    assert.match(rollout('web'), /partitioned roll out complete: 3 new pods have been updated/);
    await settled('web', ['web-0', 'web-1', 'web-2']);
    assert.deepEqual(rows(t.k('get sts web'))[0].slice(0, 2), ['web', '3/3']);
    for (const [prev, next] of [['web-0', 'web-1'], ['web-1', 'web-2']]) {
      const ready = Date.parse(jsonpath(`pod ${prev}`, '{.status.conditions[?(@.type=="Ready")].lastTransitionTime}'));
      const created = Date.parse(jsonpath(`pod ${next}`, '{.metadata.creationTimestamp}'));
      assert.ok(created >= ready, `${next} created (${created}) after ${prev} was Ready (${ready})`);
    }
    assert.equal(jsonpath('pod web-1', '{.spec.hostname}/{.spec.subdomain}/{.spec.volumes[?(@.name=="www")].persistentVolumeClaim.claimName}'), 'web-1/nginx/www-web-1');
    const claims = rows(t.k('get pvc'));
    assert.deepEqual(claims.map((r) => [r[0], r[1], r[3], r[4], r[5]]), [
      ['www-web-0', 'Bound', '1Gi', 'RWO', 'local-path'],
      ['www-web-1', 'Bound', '1Gi', 'RWO', 'local-path'],
      ['www-web-2', 'Bound', '1Gi', 'RWO', 'local-path'],
    ]);
    const [pv] = rows(t.k(`get pv ${claims[0][2]}`));
    assert.deepEqual(pv.slice(1, 7), ['1Gi', 'RWO', 'Delete', 'Bound', 'default/www-web-0', 'local-path']);
    const dir = jsonpath(`pv ${claims[0][2]}`, '{.spec.hostPath.path}');
    assert.ok(dir.startsWith(join(t.dataDir, 'storage', 'pvc-')) && existsSync(dir), dir);
    assert.deepEqual(rows(t.k('get sc'))[0].slice(0, 5), ['local-path (default)', 'rancher.io/local-path', 'Delete', 'WaitForFirstConsumer', 'false']);
    assert.match(t.k('describe sts web'), /Pods Status:\s+3 Running[\s\S]*Volume Claims:\s+Name:\s+www[\s\S]*SuccessfulCreate\s+\S+\s+statefulset-controller\s+create Claim www-web-0 Pod web-0 in StatefulSet web success/);
  });

  it('answers web-0.nginx.default.svc.cluster.local with web-0 through the headless Service', async () => {
    const ip = jsonpath('pod web-0', '{.status.podIP}');
    const answer = await eventually(async () => {
      const { stdout } = await promisify(execFile)('dig', ['@127.96.0.10', '+short', '+tries=1', '+time=2', 'web-0.nginx.default.svc.cluster.local']);
      return stdout.trim() || undefined;
    }, 20_000, 'an answer for web-0');
    assert.equal(answer, ip);
  });

  it('keeps a pod its name, claim and data when it is replaced, and across an `up` restart', async () => {
    const volume = jsonpath('pvc www-web-0', '{.spec.volumeName}');
    const file = join(jsonpath(`pv ${volume}`, '{.spec.hostPath.path}'), 'index.html');
    writeFileSync(file, 'kept\n');
    const uid = jsonpath('pod web-0', '{.metadata.uid}');
    t.k('delete pod web-0');
    await eventually(() => jsonpath('pod web-0', '{.metadata.uid}') !== uid && pods('web').get('web-0')?.[1] === 'True', 60_000, 'a new web-0');
    assert.equal(jsonpath('pvc www-web-0', '{.spec.volumeName}'), volume);
    await t.down();
    await t.up();
    await settled('web', ['web-0', 'web-1', 'web-2']);
    assert.equal(jsonpath('pvc www-web-0', '{.spec.volumeName}/{.status.phase}'), `${volume}/Bound`);
    assert.equal(readFileSync(file, 'utf8'), 'kept\n');
  });

  it('scales down from the highest ordinal, keeps the claims, and scales back up onto them', async () => {
    let out = '';
    const watch = t.kubectlStream(['get', 'pods', '-l', 'app=web', '-w', '--output-watch-events', '-o', 'custom-columns=EVENT:.type,NAME:.object.metadata.name', '--no-headers']);
    watch.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const seen = (type: string): string[] => out.split('\n').filter((l) => l.startsWith(type)).map((l) => l.split(/\s+/)[1]);
    try {
      await eventually(() => seen('ADDED').length === 3, 10_000, 'the watch listing 3 pods');
      assert.match(t.k('scale sts web --replicas=1'), /statefulset.apps\/web scaled/);
      await settled('web', ['web-0']);
      await eventually(() => seen('DELETED').length === 2, 20_000, 'two pods deleted');
      assert.deepEqual(seen('DELETED'), ['web-2', 'web-1']);
    } finally {
      watch.kill();
    }
    assert.equal(rows(t.k('get pvc')).length, 3);
    t.k('scale sts web --replicas=2');
    await settled('web', ['web-0', 'web-1']);
    assert.equal(jsonpath('pod web-1', '{.spec.volumes[?(@.name=="www")].persistentVolumeClaim.claimName}'), 'www-web-1');
  });

  it('rolls out a new image above a partition, then all of it; history and undo', async () => {
    const [rev1] = [...pods('web').values()].map((p) => p[3]);
    t.k(['patch', 'sts', 'web', '-p', '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":1}}}}']);
    t.k('set image sts/web nginx=nginx:1.26');
    assert.match(rollout('web'), /partitioned roll out complete: 1 new pods have been updated/);
    await eventually(() => pods('web').get('web-1')?.[2] === 'nginx:1.26' && pods('web').get('web-1')?.[1] === 'True', 60_000, 'web-1 updated');
    assert.equal(pods('web').get('web-0')?.[2], 'nginx:1.25');
    t.k(['patch', 'sts', 'web', '-p', '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}']);
    assert.match(rollout('web'), /partitioned roll out complete: 2 new pods have been updated/);
    await settled('web', ['web-0', 'web-1'], 'nginx:1.26');
    const history = rows(t.k('rollout history sts/web').split('\n').slice(1).join('\n'));
    assert.deepEqual(history.map((r) => r[0]), ['1', '2']);
    assert.match(t.k('rollout history sts/web --revision=1'), /Image:\s+nginx:1\.25/);
    assert.match(t.k('get controllerrevisions'), new RegExp(`${rev1}\\s+statefulset.apps/web\\s+1`));
    assert.match(t.k('rollout undo sts/web'), /statefulset.apps\/web rolled back/);
    rollout('web');
    await settled('web', ['web-0', 'web-1'], 'nginx:1.25');
    assert.equal(pods('web').get('web-0')?.[3], rev1);
  });

  it('OnDelete: a new template reaches a pod only when it is deleted', async () => {
    t.k(['patch', 'sts', 'web', '--type=merge', '-p', '{"spec":{"updateStrategy":{"type":"OnDelete","rollingUpdate":null}}}']);
    t.k('set image sts/web nginx=nginx:1.26');
    await eventually(() => jsonpath('sts web', '{.status.observedGeneration}') === jsonpath('sts web', '{.metadata.generation}'), 10_000, 'the change observed');
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual([...pods('web').values()].map((p) => p[2]), ['nginx:1.25', 'nginx:1.25']);
    t.k('delete pod web-1');
    await eventually(() => pods('web').get('web-1')?.[2] === 'nginx:1.26', 60_000, 'web-1 recreated with 1.26');
    assert.equal(pods('web').get('web-0')?.[2], 'nginx:1.25');
  });

  it('OrderedReady waits for a pod that never gets Ready; Parallel creates them all', async () => {
    t.k(['apply', '-f', t.manifest('stuck.yaml', sts('stuck', { replicas: 3, probePort: 9, claims: false }))]);
    t.k(['apply', '-f', t.manifest('par.yaml', sts('par', { replicas: 3, policy: 'Parallel', probePort: 9, claims: false }))]);
    await eventually(() => pods('par').size === 3, 20_000, 'three par pods');
    await eventually(() => pods('stuck').get('stuck-0')?.[0] === 'Running', 20_000, 'stuck-0 running');
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepEqual([...pods('stuck').keys()], ['stuck-0']);
    assert.deepEqual(rows(t.k('get sts par'))[0].slice(0, 2), ['par', '0/3']);
  });

  it('refuses a selector that does not match the template, and changes nothing', () => {
    const bad = sts('bad', { replicas: 1, claims: false }).replace('matchLabels: {app: bad}', 'matchLabels: {app: other}');
    const r = t.kubectl(['apply', '-f', t.manifest('bad.yaml', bad)]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /The StatefulSet "bad" is invalid: spec.template.metadata.labels: Invalid value: map\[string\]string\{"app":"bad"\}: `selector` does not match template `labels`/);
    assert.match(t.kubectl('get sts bad').stderr, /NotFound|not found/);
    const immutable = t.kubectl(['patch', 'sts', 'web', '-p', '{"spec":{"serviceName":"other"}}']);
    assert.match(immutable.stderr, /Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden/);
    assert.equal(jsonpath('sts web', '{.spec.serviceName}'), 'nginx');
  });

  it('deleting the set deletes its pods and keeps its claims; deleting a claim deletes its volume and directory', async () => {
    const volume = jsonpath('pvc www-web-0', '{.spec.volumeName}');
    const dir = jsonpath(`pv ${volume}`, '{.spec.hostPath.path}');
    t.k('delete sts web stuck par');
    await eventually(() => pods('web').size + pods('stuck').size + pods('par').size === 0 && t.k('get pods -o name').trim() === '', 60_000, 'all pods gone');
    assert.equal(rows(t.k('get pvc')).length, 3);
    t.k('delete pvc www-web-0');
    await eventually(() => t.kubectl(`get pv ${volume}`).code !== 0 && !existsSync(dir), 20_000, 'the volume and its directory deleted');
  });

  it('serves discovery, short names and OpenAPI for the new kinds', () => {
    const resources = t.k('api-resources --no-headers');
    for (const line of [/^statefulsets\s+sts\s+apps\/v1\s+true\s+StatefulSet$/m, /^persistentvolumeclaims\s+pvc\s+v1\s+true\s+PersistentVolumeClaim$/m, /^persistentvolumes\s+pv\s+v1\s+false\s+PersistentVolume$/m, /^storageclasses\s+sc\s+storage.k8s.io\/v1\s+false\s+StorageClass$/m, /^controllerrevisions\s+apps\/v1\s+true\s+ControllerRevision$/m])
      assert.match(resources, line);
    assert.match(t.k('explain sts.spec.volumeClaimTemplates'), /FIELD: volumeClaimTemplates <\[\]PersistentVolumeClaim>/);
    assert.match(t.k('explain pv.spec.hostPath'), /FIELD: hostPath <HostPathVolumeSource>/);
  });
});
