// `kubectl port-forward` to a pod, a Deployment and a Service, over the WebSocket tunnel kubectl
// 1.32 uses by default and the SPDY fallback (KUBECTL_PORT_FORWARD_WEBSOCKETS=false), and
// @kubernetes/client-node's PortForward (channel WebSocket). Bytes are checked end to end.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { Tinykube, eventually, type PortForward } from './harness.js';

/** A TCP echo server on two ports of its pod IP, run by the host's node. */
const ECHO = `const net=require('net');for(const p of [9000,9001])net.createServer((s)=>{s.on('error',()=>{});s.pipe(s)}).listen(p,process.env.POD_IP)`;

const MANIFEST = `
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: web
    image: nginx
    ports:
    - containerPort: 80
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: echo
spec:
  replicas: 1
  selector:
    matchLabels: {app: echo}
  template:
    metadata:
      labels: {app: echo}
    spec:
      containers:
      - name: echo
        image: node-echo
        command: [${JSON.stringify(process.execPath)}, "-e", ${JSON.stringify(ECHO)}]
        env:
        - name: POD_IP
          valueFrom: {fieldRef: {fieldPath: status.podIP}}
        ports:
        - {name: echo, containerPort: 9000}
        - {name: echo-b, containerPort: 9001}
---
apiVersion: v1
kind: Service
metadata:
  name: echo
spec:
  selector: {app: echo}
  ports:
  - {name: tcp, port: 7000, targetPort: echo}
---
apiVersion: v1
kind: Service
metadata:
  name: noselector
spec:
  ports:
  - {port: 80}
---
apiVersion: v1
kind: Pod
metadata:
  name: stuck
spec:
  nodeSelector: {nowhere: "true"}
  containers:
  - name: web
    image: nginx
`;

/** Echoes `data` through a connection to 127.0.0.1:port; resolves with what came back. */
function echo(port: number, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const got: Buffer[] = [];
    const s = net.connect({ host: '127.0.0.1', port }, () => s.end(data));
    s.on('data', (d: Buffer) => got.push(d));
    s.on('end', () => resolve(Buffer.concat(got)));
    s.on('error', reject);
  });
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('kubectl port-forward', { timeout: 180_000 }, () => {
  let t: Tinykube;
  const forward = (target: string, ports: string[], env?: NodeJS.ProcessEnv): Promise<PortForward> => t.portForward(target, ports, env);
  const stop = (f: PortForward): void => void f.proc.kill();

  before(async () => {
    t = await Tinykube.start();
    t.k(['apply', '-f', t.manifest('pf.yaml', MANIFEST)]);
    t.k('wait --for=condition=Ready pod/web --timeout=60s');
    t.k('wait --for=condition=Ready pod -l app=echo --timeout=60s');
  });
  after(async () => {
    await t?.destroy();
  });

  it('forwards to a pod over the WebSocket tunnel (kubectl 1.32 default)', async () => {
    const f = await forward('pod/web', ['0:80']);
    const page = await fetch(`http://127.0.0.1:${f.local(80)}/`).then((r) => r.text());
    assert.match(page, /Welcome to nginx!/);
    stop(f);
  });

  it('forwards several ports of a Deployment over SPDY, 50 connections at once', async () => {
    const f = await forward('deploy/echo', ['0:9000', '0:9001'], { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' });
    for (const remote of [9000, 9001]) {
      const sent = Array.from({ length: 50 }, () => randomBytes(64 * 1024));
      const got = await Promise.all(sent.map((b) => echo(f.local(remote), b)));
      got.forEach((g, i) => assert.equal(sha(g), sha(sent[i]!), `connection ${i} to ${remote}`));
    }
    stop(f);
  });

  it('forwards to a Service by its targetPort name: 50 connections at once and 100 MiB byte for byte', async () => {
    const f = await forward('svc/echo', ['0:7000']);
    assert.deepEqual(f.remotes, [9000], 'kubectl maps the service port to the named container port');
    const local = f.local(9000);
    const sent = Array.from({ length: 50 }, () => randomBytes(64 * 1024));
    const got = await Promise.all(sent.map((b) => echo(local, b)));
    got.forEach((g, i) => assert.equal(sha(g), sha(sent[i]!), `connection ${i}`));
    const big = randomBytes(100 * 1024 * 1024);
    const back = await echo(local, big);
    assert.equal(back.length, big.length);
    assert.equal(sha(back), sha(big));
    stop(f);
  });

  // kubectl ≥ 1.29 ends the whole forward after an error on any connection (client-go closes the
  // stream connection), so the tunnel is not kept: what it prints is kubelet's text.
  it('reports "connection refused" for a port nothing listens on, as kubectl 1.32 prints it', async () => {
    const f = await forward('pod/web', ['0:80', '0:81']);
    assert.match(await fetch(`http://127.0.0.1:${f.local(80)}/`).then((r) => r.text()), /Welcome to nginx!/);
    await assert.rejects(fetch(`http://127.0.0.1:${f.local(81)}/`));
    const code = await new Promise((resolve) => (f.proc.exitCode !== null ? resolve(f.proc.exitCode) : f.proc.once('exit', resolve)));
    assert.match(f.stderr(), /an error occurred forwarding \d+ -> 81: error forwarding port 81 to pod web, uid [0-9a-f-]+: .*dial tcp4 [0-9.]+:81: connect: connection refused/);
    assert.match(f.stderr(), /error: lost connection to pod/);
    assert.equal(code, 1);
  });

  it('serves @kubernetes/client-node PortForward (channel WebSocket)', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(t.kubeconfig);
    const pod = t.k(['get', 'pod', '-l', 'app=echo', '-o', 'jsonpath={.items[0].metadata.name}']);
    const output = new PassThrough();
    const input = new PassThrough();
    const got: Buffer[] = [];
    output.on('data', (d: Buffer) => got.push(d));
    const ws = (await new k8s.PortForward(kc).portForward('default', pod, [9000], output, null, input)) as { close(): void };
    const msg = randomBytes(200 * 1024);
    input.write(msg);
    await eventually(() => Buffer.concat(got).length >= msg.length, 10_000, 'the echo');
    assert.equal(sha(Buffer.concat(got)), sha(msg));
    ws.close();
  });

  it('refuses bad input with kubectl\'s errors', () => {
    const outOfRange = t.kubectl('port-forward pod/web 70000');
    assert.equal(outOfRange.code, 1);
    assert.match(outOfRange.stderr, /error parsing local port '70000': strconv.ParseUint: parsing "70000": value out of range/);
    const noSelector = t.kubectl('port-forward svc/noselector 8080:80');
    assert.equal(noSelector.code, 1);
    assert.match(noSelector.stderr, /invalid service 'noselector': Service is defined without a selector/);
    const pending = t.kubectl('port-forward pod/stuck 8080:80');
    assert.equal(pending.code, 1);
    assert.match(pending.stderr, /unable to forward port because pod is not running. Current status=Pending/);
  });
});
