// DaemonSets with the real kubectl on the one node of `tinykube up`: a pod per eligible node
// (nodeSelector, taints and tolerations), rolling update with rollout status, history and undo,
// garbage collection with the set, and bad input refused; and the node's own kube-proxy pod.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Tinykube, eventually, rows } from './harness.js';

const ds = (name: string, extra = ''): string => `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ${name}}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
${extra}      containers: [{name: agent, image: "nginx:1.25"}]
`;

describe('DaemonSets with kubectl', () => {
  let t: Tinykube;
  let node: string;
  before(async () => {
    t = await Tinykube.start();
    node = await t.readyNode();
  });
  after(async () => {
    await t?.destroy();
  });

  /** [name, node, image, ready] of the live pods of app=NAME. */
  const pods = (app: string): string[][] =>
    rows(t.k(['get', 'pods', '-l', `app=${app}`, '-o', 'custom-columns=N:.metadata.name,NODE:.spec.nodeName,IMAGE:.spec.containers[0].image,READY:.status.conditions[?(@.type=="Ready")].status,DEL:.metadata.deletionTimestamp']))
      .filter((r) => r[4] === '<none>')
      .map((r) => r.slice(0, 4));
  const running = (app: string, image = 'nginx:1.25') =>
    eventually(() => {
      const ps = pods(app);
      return ps.length === 1 && ps[0][1] === node && ps[0][2] === image && ps[0][3] === 'True' ? ps[0] : undefined;
    }, 60_000, `one ${app} pod with ${image} Ready on ${node}`);

  it("shows the node's proxy as kubeadm does: the kube-proxy DaemonSet's pod in kube-system, its logs the proxy's", async () => {
    const proxyPod = () =>
      eventually(() => {
        const r = rows(t.k('get pods -n kube-system -l k8s-app=kube-proxy -o wide'));
        return r.length === 1 && r[0][1] === '1/1' && r[0][2] === 'Running' ? r[0] : undefined;
      }, 30_000, 'one kube-proxy pod Running and Ready');
    const [name, , , , , ip, at] = (await proxyPod())!;
    assert.match(name, /^kube-proxy-[a-z0-9]{5}$/);
    assert.equal(at, node);
    // hostNetwork, as kubeadm's: the pod's IP is the node's.
    assert.equal(ip, t.k(['get', 'node', node, '-o', 'jsonpath={.status.addresses[?(@.type=="InternalIP")].address}']));
    assert.deepEqual(rows(t.k('get ds -n kube-system'))[0].slice(0, 7), ['kube-proxy', '1', '1', '1', '1', '1', 'kubernetes.io/os=linux']);
    // klog lines of the proxy this node runs, from its start, whichever pod shows them.
    const serving = /^I\d{4} [\d:.]+ +\d+ proxy\] "proxy serving" mode="userspace"/m;
    assert.match(t.k('logs -n kube-system ds/kube-proxy'), serving);
    t.k(['delete', 'pod', '-n', 'kube-system', name]);
    const [again] = (await proxyPod())!;
    assert.notEqual(again, name);
    assert.match(t.k(['logs', '-n', 'kube-system', again]), serving);
  });

  it('runs a pod on every node its nodeSelector matches, once the node is labeled', async () => {
    t.k(['apply', '-f', t.manifest('logger.yaml', ds('logger', '      nodeSelector: {disk: ssd}\n'))]);
    await eventually(() => t.k('get ds logger -o jsonpath={.status.observedGeneration}') === '1', 10_000, 'the set observed');
    assert.deepEqual(rows(t.k('get ds logger'))[0].slice(0, 7), ['logger', '0', '0', '0', '0', '0', 'disk=ssd']);
    t.k(['label', 'node', node, 'disk=ssd']);
    await running('logger');
    assert.deepEqual(rows(t.k('get ds logger'))[0].slice(0, 7), ['logger', '1', '1', '1', '1', '1', 'disk=ssd']);
    assert.match(t.k('rollout status ds/logger --timeout=30s'), /daemon set "logger" successfully rolled out/);
  });

  it('rolls out a new image, lists the history and undoes it', async () => {
    t.k('set image ds/logger agent=nginx:1.26');
    assert.match(t.k('rollout status ds/logger --timeout=60s'), /daemon set "logger" successfully rolled out/);
    await running('logger', 'nginx:1.26');
    assert.deepEqual(rows(t.k('rollout history ds/logger').split('\n').slice(1).join('\n')).map((r) => r[0]), ['1', '2']);
    assert.match(t.k('rollout undo ds/logger'), /daemonset.apps\/logger rolled back/);
    await running('logger', 'nginx:1.25');
  });

  it('keeps off a tainted node unless tolerated', async () => {
    t.k(['taint', 'node', node, 'dedicated=infra:NoSchedule']);
    try {
      t.k(['apply', '-f', t.manifest('plain.yaml', ds('plain'))]);
      t.k(['apply', '-f', t.manifest('tolerant.yaml', ds('tolerant', '      tolerations: [{key: dedicated, operator: Equal, value: infra, effect: NoSchedule}]\n'))]);
      await running('tolerant');
      assert.equal(pods('plain').length, 0);
      assert.equal(pods('logger').length, 1, 'a NoSchedule taint leaves running daemon pods alone');
    } finally {
      t.k(['taint', 'node', node, 'dedicated=infra:NoSchedule-']);
    }
    await running('plain');
  });

  it('refuses a selector that does not match the template', () => {
    const r = t.kubectl(['apply', '-f', t.manifest('bad.yaml', ds('bad').replace('matchLabels: {app: bad}', 'matchLabels: {app: other}'))]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /The DaemonSet "bad" is invalid: spec.template.metadata.labels: Invalid value: map\[string\]string\{"app":"bad"\}: `selector` does not match template `labels`/);
    assert.match(t.kubectl('get ds bad').stderr, /not found/);
  });

  it('deleting the set deletes its pods', async () => {
    t.k('delete ds logger plain tolerant');
    await eventually(() => t.k('get pods -o name').trim() === '', 60_000, 'all daemon pods gone');
    assert.match(t.k('api-resources --no-headers'), /^daemonsets\s+ds\s+apps\/v1\s+true\s+DaemonSet$/m);
  });
});
