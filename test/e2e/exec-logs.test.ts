// `kubectl logs` and `kubectl exec` against pods the node agent runs (KUBECTL-API.md §10).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Tinykube, eventually, sleep } from './harness.js';

const MANIFEST = `
apiVersion: v1
kind: Pod
metadata:
  name: talker
spec:
  restartPolicy: Never
  containers:
  - name: talker
    image: busybox
    command: ["sh", "-c", "echo one; echo two; echo three; sleep 2; echo four"]
---
apiVersion: v1
kind: Pod
metadata:
  name: box
spec:
  containers:
  - name: box
    image: busybox:1.36
    command: ["sleep", "3600"]
    env:
    - name: GREETING
      value: hello from $(MY_POD)
    - name: MY_POD
      valueFrom:
        fieldRef:
          fieldPath: metadata.name
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: web
spec:
  containers:
  - name: web
    image: registry.k8s.io/e2e-test-images/agnhost:2.53
    args: ["netexec", "--http-port=8080", "--udp-port=-1"]
    ports:
    - containerPort: 8080
`;

describe('kubectl logs and exec', { timeout: 120_000 }, () => {
  let t: Tinykube;
  const phase = (pod: string): string => t.k(['get', 'pod', pod, '-o', 'jsonpath={.status.phase}']);

  before(async () => {
    t = await Tinykube.start();
    t.k(['apply', '-f', t.manifest('pods.yaml', MANIFEST)]);
    for (const pod of ['talker', 'box', 'web']) await eventually(() => ['Running', 'Succeeded'].includes(phase(pod)), 30_000, `pod ${pod} running`);
  });
  after(async () => {
    await t?.destroy();
  });

  it('logs -f streams until the container ends', () => {
    assert.equal(t.k('logs -f talker'), 'one\ntwo\nthree\nfour\n');
  });

  it('logs and --tail of a finished container', async () => {
    await eventually(() => phase('talker') === 'Succeeded', 30_000, 'talker to finish');
    assert.equal(t.k('logs talker'), 'one\ntwo\nthree\nfour\n');
    assert.equal(t.k('logs talker --tail=2'), 'three\nfour\n');
  });

  it('logs --timestamps, --since-time and --since, by when each line was written', async () => {
    await eventually(() => phase('talker') === 'Succeeded', 30_000, 'talker to finish');
    const stamped = t.k('logs talker --timestamps').trimEnd().split('\n').map((l) => l.split(' '));
    assert.deepEqual(stamped.map((l) => l[1]), ['one', 'two', 'three', 'four']);
    for (const [time] of stamped) assert.match(time!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const gap = Date.parse(stamped[3]![0]!) - Date.parse(stamped[2]![0]!);
    assert.ok(gap >= 1_900 && gap < 4_000, `four came ${gap} ms after three (the script sleeps 2 s)`);
    assert.equal(t.k(['logs', 'talker', `--since-time=${stamped[3]![0]}`]), 'four\n');
    assert.equal(t.k('logs talker --since=1h'), 'one\ntwo\nthree\nfour\n');
    await sleep(Date.parse(stamped[3]![0]!) + 1_500 - Date.now());
    assert.equal(t.k('logs talker --since=1s'), '', 'the last line is older than a second');
  });

  it('logs --previous without a restart is refused as Kubernetes words it', () => {
    const r = t.kubectl('logs box --previous');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /previous terminated container "box" in pod "box" not found/);
  });

  it('logs show the requests a built-in server answered', async () => {
    const ip = t.k(['get', 'pod', 'web', '-o', 'jsonpath={.status.podIP}']);
    const res = await eventually(() => fetch(`http://${ip}:8080/hostname`).then((r) => r.text()), 20_000, 'web to answer');
    assert.equal(res, 'web');
    await eventually(() => /"GET \/hostname HTTP\/1.1" 200 3 /.test(t.k('logs web')), 10_000, 'the request in the log');
  });

  it('exec runs a command', () => {
    assert.equal(t.k('exec box -- echo hi'), 'hi\n');
  });

  it('exec sees the pod environment', () => {
    assert.equal(t.k(['exec', 'box', '--', 'sh', '-c', 'echo $POD_NAME; echo $GREETING; echo $KUBERNETES_SERVICE_HOST']), 'box\nhello from $(MY_POD)\n127.96.0.1\n');
  });

  it('exec -i passes stdin', () => {
    assert.equal(t.k('exec -i box -- cat', 'hello\nworld\n'), 'hello\nworld\n');
  });

  it('exec reports a non-zero exit code and exits with it', () => {
    const r = t.kubectl(['exec', 'box', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, 'out\n');
    assert.match(r.stderr, /^err\ncommand terminated with exit code 3\n$/);
  });

  it('exec into a pod that does not exist', () => {
    const r = t.kubectl('exec nope -- true');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /pods "nope" not found/);
  });
});
