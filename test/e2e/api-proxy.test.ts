// The API server proxy (services/NAME/proxy, pods/NAME/proxy, nodes/NAME/proxy) through `kubectl proxy` and curl,
// and through `kubectl get --raw`, with kube-apiserver's error wording.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { Tinykube, eventually, runSync } from './harness.js';

const MANIFEST = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: echo
spec:
  replicas: 2
  selector:
    matchLabels: {app: echo}
  template:
    metadata:
      labels: {app: echo}
    spec:
      containers:
      - name: echo
        image: registry.k8s.io/echoserver:1.10
        ports:
        - {name: http, containerPort: 8080}
---
apiVersion: v1
kind: Service
metadata:
  name: echo
spec:
  selector: {app: echo}
  ports:
  - {name: web, port: 80, targetPort: http}
---
apiVersion: v1
kind: Service
metadata:
  name: empty
spec:
  selector: {app: nobody}
  ports:
  - {port: 80}
`;

describe('API server proxy and kubectl proxy', { timeout: 120_000 }, () => {
  let t: Tinykube;
  let proxy: ChildProcess;
  let base: string;
  let pod: string;
  const curl = (path: string, ...args: string[]): { code: number; body: string } => {
    const r = runSync('curl', ['-sS', '-m', '10', '-w', '\n%{http_code}', ...args, `${base}${path}`]);
    const at = r.stdout.lastIndexOf('\n');
    return { body: r.stdout.slice(0, at), code: Number(r.stdout.slice(at + 1)) };
  };

  before(async () => {
    t = await Tinykube.start();
    t.k(['apply', '-f', t.manifest('echo.yaml', MANIFEST)]);
    t.k('wait --for=condition=Ready pod -l app=echo --timeout=60s');
    await eventually(() => t.k('get endpoints echo -o jsonpath={.subsets[0].addresses[1].ip}'), 20_000, 'two endpoints');
    pod = t.k('get pod -l app=echo -o jsonpath={.items[0].metadata.name}');
    proxy = spawn('kubectl', ['--kubeconfig', t.kubeconfig, 'proxy', '--port=0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proxy.stdout!.on('data', (d) => (out += d));
    base = `http://127.0.0.1:${await eventually(() => /Starting to serve on 127\.0\.0\.1:(\d+)/.exec(out)?.[1], 10_000, 'kubectl proxy')}`;
  });
  after(async () => {
    proxy?.kill();
    await t?.destroy();
  });

  it('reaches a Service by its port name, with the path and query, on every endpoint', async () => {
    const seen = new Set<string>();
    await eventually(() => {
      const r = curl('/api/v1/namespaces/default/services/echo:web/proxy/hello/there?x=1');
      assert.equal(r.code, 200);
      assert.match(r.body, /request_uri=\/hello\/there\?x=1/);
      seen.add(/Hostname: (\S+)/.exec(r.body)![1]!);
      return seen.size === 2;
    }, 20_000, 'both endpoints');
  });

  it('forwards every verb with its body, in the scheme:name:port form with a port number', () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const r = curl('/api/v1/namespaces/default/services/http:echo:80/proxy/x', '-X', method, '-d', 'body');
      assert.equal(r.code, 200, method);
      assert.match(r.body, new RegExp(`method=${method}`));
      assert.match(r.body, /content-length=4/);
    }
  });

  it('reaches a pod by port number and by container port name; the bare proxy path redirects to its slash', () => {
    assert.match(curl(`/api/v1/namespaces/default/pods/${pod}:8080/proxy/a`).body, new RegExp(`Hostname: ${pod}[\\s\\S]*request_uri=/a`));
    assert.match(curl(`/api/v1/namespaces/default/pods/${pod}:http/proxy/`).body, new RegExp(`Hostname: ${pod}`));
    const bare = runSync('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', `${base}/api/v1/namespaces/default/pods/${pod}/proxy`]);
    assert.equal(bare.stdout, `301 ${base}/api/v1/namespaces/default/pods/${pod}/proxy/`);
  });

  it("reaches the node's own endpoints through nodes/NAME/proxy: /healthz and its pods", () => {
    const node = t.k('get nodes -o jsonpath={.items[0].metadata.name}');
    assert.equal(curl(`/api/v1/nodes/${node}/proxy/healthz`).body, 'ok');
    const pods = JSON.parse(t.k(['get', '--raw', `/api/v1/nodes/${node}/proxy/pods`])) as { kind: string; items: { metadata: { name: string } }[] };
    assert.equal(pods.kind, 'PodList');
    assert.ok(pods.items.some((p) => p.metadata.name === pod), `${pod} among the node's pods`);
  });

  it("answers kube-apiserver's errors for no endpoints, an unknown port and a bad scheme", () => {
    const raw = (path: string): string => t.kubectl(['get', '--raw', path]).stderr.trim();
    assert.equal(raw('/api/v1/namespaces/default/services/empty/proxy/'), 'Error from server (ServiceUnavailable): no endpoints available for service "empty"');
    assert.equal(raw('/api/v1/namespaces/default/services/echo:81/proxy/'), 'Error from server (ServiceUnavailable): no service port 81 found for service "echo"');
    assert.equal(raw('/api/v1/namespaces/default/services/ftp:echo:80/proxy/'), 'Error from server (BadRequest): invalid service request "ftp:echo:80"');
    assert.equal(raw('/api/v1/namespaces/default/services/nope/proxy/'), 'Error from server (NotFound): services "nope" not found');
    assert.match(raw(`/api/v1/namespaces/default/pods/${pod}:81/proxy/`), /^Error from server \(ServiceUnavailable\): error trying to reach service: dial tcp [0-9.]+:81: connect: connection refused$/);
  });
});
