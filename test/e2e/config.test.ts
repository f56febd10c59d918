// ConfigMaps, Secrets and ServiceAccounts through real kubectl: the typed `create` commands
// (protobuf), apply (OpenAPI validation), get tables, describe, and kube-apiserver's errors for
// bad input, which change nothing stored.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tinykube, eventually, rows } from './harness.js';

describe('ConfigMaps, Secrets and ServiceAccounts with kubectl', { timeout: 180_000 }, () => {
  let t: Tinykube;
  before(async () => {
    t = await Tinykube.start();
  });
  after(async () => {
    await t?.destroy();
  });

  it('kubectl create configmap from literals and files; get and describe show the data', () => {
    const file = join(t.dataDir, 'game.properties');
    writeFileSync(file, 'lives=3\n');
    assert.equal(t.k(['create', 'configmap', 'game', '--from-literal=mode=easy', `--from-file=${file}`]).trim(), 'configmap/game created');
    const table = rows(t.k(['get', 'cm']));
    assert.deepEqual(
      table.find((r) => r[0] === 'game')?.slice(0, 2),
      ['game', '2'],
    );
    assert.equal(t.k(['get', 'configmap', 'game', '-o', 'jsonpath={.data.game\\.properties}']), 'lives=3\n');
    const desc = t.k(['describe', 'configmap', 'game']);
    assert.match(desc, /^Name:\s+game$/m);
    assert.match(desc, /^mode:\n----\neasy$/m);
  });

  it('kubectl create secret generic, tls and docker-registry; get shows TYPE and DATA', () => {
    t.k(['create', 'secret', 'generic', 'db', '--from-literal=user=admin', '--from-literal=password=s3cr3t']);
    const dir = t.dataDir;
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=web', '-days', '1', '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt')], { stdio: 'ignore' });
    t.k(['create', 'secret', 'tls', 'web-tls', `--cert=${join(dir, 'tls.crt')}`, `--key=${join(dir, 'tls.key')}`]);
    t.k(['create', 'secret', 'docker-registry', 'regcred', '--docker-server=registry.example', '--docker-username=u', '--docker-password=p']);
    const table = rows(t.k(['get', 'secrets']));
    const byName = new Map(table.map((r) => [r[0], r.slice(1, 3)]));
    assert.deepEqual(byName.get('db'), ['Opaque', '2']);
    assert.deepEqual(byName.get('web-tls'), ['kubernetes.io/tls', '2']);
    assert.deepEqual(byName.get('regcred'), ['kubernetes.io/dockerconfigjson', '1']);
    assert.equal(Buffer.from(t.k(['get', 'secret', 'db', '-o', 'jsonpath={.data.password}']), 'base64').toString(), 's3cr3t');
    assert.match(t.k(['describe', 'secret', 'db']), /^password:\s+6 bytes$/m);
  });

  it('apply validates against OpenAPI and folds stringData into data', () => {
    const out = t.k(['apply', '-f', '-'], `
apiVersion: v1
kind: ConfigMap
metadata: {name: app-config}
data: {LOG_LEVEL: debug}
---
apiVersion: v1
kind: Secret
metadata: {name: app-secret}
stringData: {token: abc}
`);
    assert.match(out, /configmap\/app-config created/);
    assert.match(out, /secret\/app-secret created/);
    assert.equal(t.k(['get', 'secret', 'app-secret', '-o', 'jsonpath={.data.token}']), Buffer.from('abc').toString('base64'));
    const bad = t.kubectl(['apply', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: typo}\ndatas: {a: b}\n');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /unknown field "datas"/);
  });

  it('a ConfigMap over 1 MiB is refused as kube-apiserver refuses it, and nothing is stored', () => {
    const big = 'x'.repeat(1024 * 1024 + 1);
    const r = t.kubectl(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { blob: big } }));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /The ConfigMap "big" is invalid: \[\]: Too long: may not be more than 1048576 bytes/);
    assert.match(t.kubectl(['get', 'cm', 'big']).stderr, /configmaps "big" not found/);
  });

  it('a Secret with a bad key is refused with the config-key message, and nothing is stored', () => {
    const r = t.kubectl(['create', 'secret', 'generic', 'badkey', '--from-literal=bad/key=x']);
    // kubectl checks --from-literal keys itself; a manifest reaches the server.
    assert.equal(r.code, 1);
    const m = t.kubectl(['apply', '-f', '-'], 'apiVersion: v1\nkind: Secret\nmetadata: {name: badkey}\ndata: {"bad/key": eA==}\n');
    assert.equal(m.code, 1);
    assert.match(
      m.stderr,
      /The Secret "badkey" is invalid: data\[bad\/key\]: Invalid value: "bad\/key": a valid config key must consist of alphanumeric characters, '-', '_' or '\.' \(e\.g\. 'key\.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '\[-\._a-zA-Z0-9\]\+'\)/,
    );
    assert.match(t.kubectl(['get', 'secret', 'badkey']).stderr, /secrets "badkey" not found/);
  });

  it('an immutable ConfigMap keeps its data', () => {
    t.k(['apply', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: frozen}\nimmutable: true\ndata: {a: "1"}\n');
    const r = t.kubectl(['patch', 'cm', 'frozen', '-p', '{"data":{"a":"2"}}']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /The ConfigMap "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set/);
    assert.equal(t.k(['get', 'cm', 'frozen', '-o', 'jsonpath={.data.a}']), '1');
  });

  it('pods get ConfigMap and Secret keys as env (valueFrom, envFrom with prefix); env does not follow changes', async () => {
    t.k(['apply', '-f', '-'], `
apiVersion: v1
kind: ConfigMap
metadata: {name: env-config}
data: {LOG_LEVEL: debug, MODE: fast}
---
apiVersion: v1
kind: Secret
metadata: {name: env-secret}
stringData: {password: s3cr3t}
---
apiVersion: v1
kind: Pod
metadata: {name: env-pod}
spec:
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "echo level=$LEVEL; sleep 3600"]
    envFrom:
    - configMapRef: {name: env-config}
      prefix: CFG_
    env:
    - name: LEVEL
      valueFrom: {configMapKeyRef: {name: env-config, key: LOG_LEVEL}}
    - name: PASSWORD
      valueFrom: {secretKeyRef: {name: env-secret, key: password}}
    - name: OPTIONAL
      valueFrom: {configMapKeyRef: {name: absent, key: x, optional: true}}
`);
    await eventually(() => t.k(['get', 'pod', 'env-pod', '-o', 'jsonpath={.status.phase}']) === 'Running', 30_000, 'env-pod running');
    const env = t.k(['exec', 'env-pod', '--', 'env']);
    for (const line of ['LEVEL=debug', 'PASSWORD=s3cr3t', 'CFG_LOG_LEVEL=debug', 'CFG_MODE=fast']) assert.match(env, new RegExp(`^${line}$`, 'm'));
    assert.doesNotMatch(env, /^OPTIONAL=/m);
    t.k(['patch', 'cm', 'env-config', '-p', '{"data":{"LOG_LEVEL":"info"}}']);
    assert.match(t.k(['exec', 'env-pod', '--', 'sh', '-c', 'echo $LEVEL']), /^debug$/m);
    assert.match(t.k(['logs', 'env-pod']), /^level=debug$/m);
  });

  it('a missing key is CreateContainerConfigError with kubelet\'s message', async () => {
    t.k(['run', 'missing-key', '--image=busybox', '--overrides', JSON.stringify({
      spec: { containers: [{ name: 'missing-key', image: 'busybox', command: ['sleep', '3600'], env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'env-config', key: 'nope' } } }] }] },
    })]);
    await eventually(() => /CreateContainerConfigError/.test(t.k(['get', 'pod', 'missing-key'])), 30_000, 'CreateContainerConfigError');
    assert.match(t.k(['describe', 'pod', 'missing-key']), /Error: couldn't find key nope in ConfigMap default\/env-config/);
  });

  it('configMap and secret volumes are files under the pod directory that follow changes; a missing ConfigMap is FailedMount', async () => {
    t.k(['apply', '-f', '-'], `
apiVersion: v1
kind: ConfigMap
metadata: {name: vol-config}
data: {app.conf: "color=blue"}
---
apiVersion: v1
kind: Pod
metadata: {name: vol-pod}
spec:
  containers:
  - {name: app, image: busybox, command: ["sleep", "3600"], volumeMounts: [{name: config, mountPath: /etc/app}, {name: creds, mountPath: /etc/creds}]}
  volumes:
  - {name: config, configMap: {name: vol-config}}
  - {name: creds, secret: {secretName: env-secret, defaultMode: 0400}}
  - {name: scratch, emptyDir: {}}
`);
    await eventually(() => t.k(['get', 'pod', 'vol-pod', '-o', 'jsonpath={.status.phase}']) === 'Running', 30_000, 'vol-pod running');
    const uid = t.k(['get', 'pod', 'vol-pod', '-o', 'jsonpath={.metadata.uid}']);
    const volumes = join(t.dataDir, 'pods', `default_vol-pod_${uid}`, 'volumes');
    const conf = join(volumes, 'kubernetes.io~configmap', 'config', 'app.conf');
    assert.equal(readFileSync(conf, 'utf8'), 'color=blue');
    assert.equal(readlinkSync(conf), '..data/app.conf');
    const password = join(volumes, 'kubernetes.io~secret', 'creds', 'password');
    assert.equal(readFileSync(password, 'utf8'), 's3cr3t');
    assert.equal(statSync(password).mode & 0o777, 0o400);
    assert.ok(statSync(join(volumes, 'kubernetes.io~empty-dir', 'scratch')).isDirectory());
    // The ServiceAccount admission's volume: a token bound to this pod, the CA, the namespace.
    const access = t.k(['get', 'pod', 'vol-pod', '-o', 'jsonpath={.spec.volumes[3].name} {.spec.containers[0].volumeMounts[2].mountPath}']).split(' ');
    assert.match(access[0], /^kube-api-access-[a-z0-9]{5}$/);
    assert.equal(access[1], '/var/run/secrets/kubernetes.io/serviceaccount');
    const projected = join(volumes, 'kubernetes.io~projected', access[0]);
    assert.equal(readFileSync(join(projected, 'namespace'), 'utf8'), 'default');
    assert.match(readFileSync(join(projected, 'ca.crt'), 'utf8'), /^-----BEGIN CERTIFICATE-----/);
    const claims = JSON.parse(Buffer.from(readFileSync(join(projected, 'token'), 'utf8').split('.')[1], 'base64url').toString());
    assert.deepEqual(claims['kubernetes.io'].pod, { name: 'vol-pod', uid });
    t.k(['patch', 'cm', 'vol-config', '-p', '{"data":{"app.conf":"color=green"}}']);
    await eventually(() => readFileSync(conf, 'utf8') === 'color=green', 60_000, 'the volume follows the ConfigMap');

    t.k(['run', 'no-config', '--image=busybox', '--overrides', JSON.stringify({
      spec: { containers: [{ name: 'no-config', image: 'busybox', command: ['sleep', '3600'] }], volumes: [{ name: 'c', configMap: { name: 'absent' } }] },
    })]);
    await eventually(
      () => /MountVolume.SetUp failed for volume "c" : configmap "absent" not found/.test(t.k(['describe', 'pod', 'no-config'])),
      30_000,
      'FailedMount event',
    );
    t.k(['create', 'configmap', 'absent', '--from-literal=k=v']);
    await eventually(() => t.k(['get', 'pod', 'no-config', '-o', 'jsonpath={.status.phase}']) === 'Running', 30_000, 'runs once the ConfigMap exists');
  });

  it('every namespace has a default ServiceAccount', async () => {
    t.k(['create', 'namespace', 'team-a']);
    await eventually(() => t.kubectl(['get', 'sa', 'default', '-n', 'team-a']).code === 0, 10_000, 'default SA in team-a');
    const table = rows(t.k(['get', 'serviceaccounts', '-A']));
    for (const ns of ['default', 'kube-system', 'team-a']) assert.ok(table.some((r) => r[0] === ns && r[1] === 'default'), `default SA in ${ns}`);
  });

  it('kubectl create token: a bound token that may do nothing until bound to view, checked by TokenReview', async () => {
    await eventually(() => t.kubectl(['get', 'sa', 'default']).code === 0, 10_000, 'default SA');
    const token = t.k(['create', 'token', 'default', '--duration=20m']).trim();
    const [, payload] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sub: string; aud: string[]; exp: number; iat: number };
    assert.equal(claims.sub, 'system:serviceaccount:default:default');
    assert.equal(claims.exp - claims.iat, 1200);
    const as = (args: string[]): ReturnType<Tinykube['kubectl']> => t.kubectl(['--kubeconfig', t.tokenKubeconfig(token), ...args]);
    assert.match(as(['get', 'svc', 'kubernetes']).stderr, /services "kubernetes" is forbidden: User "system:serviceaccount:default:default" cannot get resource "services"/);
    t.k(['create', 'rolebinding', 'default-view', '--clusterrole=view', '--serviceaccount=default:default']);
    await eventually(() => /^kubernetes\s+ClusterIP/m.test(as(['get', 'svc', 'kubernetes']).stdout), 10_000, 'the binding to apply');
    const write = as(['create', 'configmap', 'sa-write', '--from-literal=a=b']);
    assert.equal(write.code, 1);
    assert.equal(
      write.stderr.trim(),
      'error: failed to create configmap: configmaps is forbidden: User "system:serviceaccount:default:default" cannot create resource "configmaps" in API group "" in the namespace "default"',
    );
    const del = as(['delete', 'svc', 'kubernetes']);
    assert.match(del.stderr, /Error from server \(Forbidden\): services "kubernetes" is forbidden: User "system:serviceaccount:default:default" cannot delete resource "services" in API group "" in the namespace "default"/);
    const review = (tok: string): { authenticated?: boolean; user?: { username?: string } } =>
      JSON.parse(t.k(['create', '-o', 'json', '-f', '-'], JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: tok } }))).status;
    assert.deepEqual([review(token).authenticated, review(token).user?.username], [true, 'system:serviceaccount:default:default']);
    const forged = `${token.slice(0, token.lastIndexOf('.'))}.${Buffer.from('forged').toString('base64url')}`;
    assert.equal(review(forged).authenticated, undefined);
    assert.match(t.kubectl(['--kubeconfig', t.tokenKubeconfig(forged), 'get', 'svc']).stderr, /Unauthorized/);
    // A token outlives nothing it is bound to: recreate the ServiceAccount and it is refused.
    t.k(['delete', 'sa', 'default']);
    await eventually(() => t.kubectl(['get', 'sa', 'default']).code === 0, 10_000, 'default SA made again');
    assert.match(as(['get', 'svc']).stderr, /Unauthorized/);
    const short = t.kubectl(['create', 'token', 'default', '--duration=5m']);
    assert.match(short.stderr, /spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes/);
  });
});
