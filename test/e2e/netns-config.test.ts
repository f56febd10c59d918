// Volumes and the ServiceAccount token on the netns network (root): files at their mountPaths
// inside the pod's own mount namespace (nothing created on the host), and clients in a pod with
// no kubeconfig — kubectl and @kubernetes/client-node's loadFromCluster() — reaching the API
// through the `kubernetes` Service's ClusterIP with the pod's bound token.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { Tinykube, eventually } from './harness.js';
import { leftovers, netns } from './netns-suite.js';

const PREFIX = 'tkcfg';
const ROOT = new URL('../..', import.meta.url).pathname;
// The real kubectl binary (the one on PATH dispatches by server version and wants a config).
const KUBECTL = join(dirname(realpathSync(execFileSync('which', ['kubectl'], { encoding: 'utf8' }).trim())), 'kubectl.1.32');

describe('netns network: volumes at mountPaths and in-cluster clients', { skip: netns.skip }, () => {
  before(netns.check);
  let t: Tinykube;
  before(async () => {
    t = await Tinykube.start(['--network', 'netns', '--netns-prefix', PREFIX, '--nodes', '1', '--disable', 'dns']);
    await t.readyNode(60_000);
    await eventually(() => t.kubectl(['get', 'cm', 'kube-root-ca.crt']).code === 0 && t.kubectl(['get', 'sa', 'default']).code === 0, 20_000, 'default SA and CA');
    t.k(['apply', '-f', '-'], `
apiVersion: v1
kind: ConfigMap
metadata: {name: app-config}
data: {app.conf: "color=blue"}
---
apiVersion: v1
kind: Pod
metadata: {name: cfg-pod}
spec:
  containers:
  - name: app
    image: busybox
    command: ["sleep", "3600"]
    volumeMounts:
    - {name: config, mountPath: /etc/tinykube-app}
    - {name: data, mountPath: /tinykube-data/cache}
  volumes:
  - {name: config, configMap: {name: app-config}}
  - {name: data, emptyDir: {}}
`);
    await eventually(() => t.k(['get', 'pod', 'cfg-pod', '-o', 'jsonpath={.status.phase}']) === 'Running', 60_000, 'cfg-pod running');
    // A ServiceAccount may do nothing until bound (RBAC): let the pod's read.
    t.k(['create', 'rolebinding', 'default-view', '--clusterrole=view', '--serviceaccount=default:default']);
  });
  after(async () => {
    const dataDir = t?.dataDir;
    await t?.destroy();
    if (dataDir) assert.deepEqual(leftovers(PREFIX, dataDir), [], 'nothing left behind after stop');
  });

  it('volumes are at their mountPaths in the pod, follow the ConfigMap, and nothing appears on the host', async () => {
    assert.equal(t.k(['exec', 'cfg-pod', '--', 'cat', '/etc/tinykube-app/app.conf']), 'color=blue');
    assert.equal(t.k(['exec', 'cfg-pod', '--', 'cat', '/var/run/secrets/kubernetes.io/serviceaccount/namespace']), 'default');
    t.k(['exec', 'cfg-pod', '--', 'sh', '-c', 'echo kept > /tinykube-data/cache/f']);
    assert.equal(t.k(['exec', 'cfg-pod', '--', 'cat', '/tinykube-data/cache/f']).trim(), 'kept');
    assert.ok(!existsSync('/etc/tinykube-app') && !existsSync('/tinykube-data'), 'no mount point on the host');
    t.k(['patch', 'cm', 'app-config', '-p', '{"data":{"app.conf":"color=green"}}']);
    await eventually(() => t.k(['exec', 'cfg-pod', '--', 'cat', '/etc/tinykube-app/app.conf']) === 'color=green', 60_000, 'the file follows');
  });

  it('kubectl in the pod, with no kubeconfig, lists Services through the kubernetes ClusterIP and may not write (bound to view)', () => {
    assert.equal(t.k(['exec', 'cfg-pod', '--', 'sh', '-c', 'echo $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT']).trim(), '10.96.0.1:443');
    const out = t.k(['exec', 'cfg-pod', '--', KUBECTL, 'get', 'svc', '-o', 'name']);
    assert.match(out, /^service\/kubernetes$/m);
    const write = t.kubectl(['exec', 'cfg-pod', '--', KUBECTL, 'create', 'configmap', 'from-pod']);
    assert.notEqual(write.code, 0);
    assert.match(write.stderr + write.stdout, /configmaps is forbidden: User "system:serviceaccount:default:default" cannot create resource "configmaps" in API group "" in the namespace "default"/);
  });

  it("an image's WORKDIR is that path in the pod (exec and the shell prompt start there); busybox's ping works", async () => {
    t.k(['run', 'frontend', '--image=lyzhang1999/frontend:latest', '--port=3000']);
    await eventually(() => t.kubectl('wait --for=condition=Ready pod/frontend --timeout=2s').code === 0, 60_000, 'frontend Ready');
    assert.equal(t.k(['exec', 'frontend', '--', 'pwd']), '/frontend\n');
    const tty = spawnSync('script', ['-qfec', `kubectl --kubeconfig ${t.kubeconfig} exec -it frontend -- sh`, '/dev/null'], { input: 'ls -d $PWD\nexit\n', encoding: 'utf8', timeout: 20_000 });
    assert.match(tty.stdout, /^\/frontend # /m);
    assert.match(tty.stdout, /^\/frontend\r?$/m);
    assert.ok(!existsSync('/frontend'), 'no WORKDIR on the host');
    const ip = t.k('get pod frontend -o jsonpath={.status.podIP}');
    assert.match(t.k(['exec', 'cfg-pod', '--', 'ping', '-c', '1', '-W', '2', ip]), /^1 packets transmitted, 1 packets received, 0% packet loss$/m);
  });

  it("@kubernetes/client-node's loadFromCluster() lists Services from the pod", () => {
    const script = join(t.dataDir, 'in-cluster.mjs');
    writeFileSync(
      script,
      `import * as k8s from ${JSON.stringify(join(ROOT, 'node_modules/@kubernetes/client-node/dist/index.js'))};
const kc = new k8s.KubeConfig();
kc.loadFromCluster();
const api = kc.makeApiClient(k8s.CoreV1Api);
const list = await api.listNamespacedService({ namespace: 'default' });
console.log(kc.getCurrentCluster().server, list.items.map((s) => s.metadata.name).join(','));
`,
    );
    assert.equal(t.k(['exec', 'cfg-pod', '--', process.execPath, script]).trim(), 'https://10.96.0.1:443 kubernetes');
  });
});
