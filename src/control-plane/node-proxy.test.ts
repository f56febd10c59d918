// The API server's forwarding of pods/log, pods/exec and nodes/NAME/proxy/PATH to a node's
// kubelet port, against a real kubelet server (listenKubelet with the node's own handlers) on 127.0.0.1.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import https from 'node:https';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import WebSocket from 'ws';
import { startTestApi, type TestApi } from '../../test/support/api.js';
import type { Node } from '../apis/core/nodes.js';
import type { Pod } from '../apis/core/pods.js';
import { R, type Client } from '../client/client.js';
import { createPod, readRefusal, runningStatus, serveHandler, type HandlerServer } from '../../test/support/exec-logs-fixture.js';
import { CHANNEL } from '../node/exec.js';
import { listenKubelet, type KubeletServer } from '../node/kubelet-server.js';
import { logPath } from '../node/logs.js';
import { startPodHandlers, type PodHandlers } from '../node/pod-handlers.js';
import { singleHost } from '../node/pod-placement.js';
import { kubeletJson, kubeletText, nodeProxy } from './node-proxy.js';
import { createCa, createKubeletCsr, signKubeletServing } from '../api/tls.js';
import { resourceProxy } from './resource-proxy.js';
import { directDialer, type Dialer, type Location } from '../node/portforward/dial.js';
import type { TrafficReport } from '../proxy/traffic.js';

const TOKEN = 'node-token-for-tests';
const REPORT: TrafficReport = {
  node: 'node1',
  mode: 'userspace',
  at: 1,
  endpoints: [{ service: 'default/web:/TCP', namespace: 'default', name: 'web', endpoint: '127.244.0.8:80', connections: 3, open: 0, bytesIn: 30, bytesOut: 300 }],
};

/** A kubelet serving certificate for NODE at 127.0.0.1, from the CA, as an agent gets at join. */
async function servingCert(ca: { cert: string; key: string }, node: string): Promise<{ cert: string; key: string }> {
  const { csr, key } = await createKubeletCsr(node, { ips: ['127.0.0.1'], dnsNames: [node] });
  return { cert: await signKubeletServing(ca, csr, node), key };
}

/** GET on a URL; resolves with the status and the whole body. */
function get(url: string, headers: Record<string, string> = {}): Promise<{ code: number; body: string }> {
  const lib = url.startsWith('https') ? https : http;
  return new Promise((resolve, reject) => {
    lib.get(url, { headers, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

interface Session {
  stdout: string;
  status?: { status: string };
  refused?: { code: number; message: string };
}

/** One `exec POD -- COMMAND` session over the proxy, as kubectl runs it. */
function exec(base: string, pod: string, command: string[]): Promise<Session> {
  const q = new URLSearchParams(command.map((c): [string, string] => ['command', c]));
  q.set('stdout', 'true');
  const ws = new WebSocket(`${base.replace('http', 'ws')}/api/v1/namespaces/default/pods/${pod}/exec?${q}`, ['v5.channel.k8s.io'], { rejectUnauthorized: false });
  const s: Session = { stdout: '' };
  return new Promise((resolve, reject) => {
    ws.on('message', (data: Buffer) => {
      if (data[0] === CHANNEL.stdout) s.stdout += data.subarray(1).toString();
      if (data[0] === CHANNEL.error) s.status = JSON.parse(data.subarray(1).toString()) as Session['status'];
    });
    ws.on('unexpected-response', (_req, res) => void readRefusal(res).then((refused) => resolve({ ...s, refused })));
    ws.on('close', () => resolve(s));
    ws.on('error', reject);
  });
}

async function setNode(client: Client, name: string, status: Node['status']): Promise<void> {
  const node = await client.create<Node>(R.nodes, undefined, { metadata: { name } });
  await client.update<Node>(R.nodes, undefined, { ...node, status }, { subresource: 'status' });
}

describe('node proxy: pods/log and pods/exec forwarded to the kubelet port', { timeout: 30_000 }, () => {
  let api: TestApi;
  let kubelet: KubeletServer;
  let handlers: PodHandlers;
  let proxy: HandlerServer;
  let pod: Pod;
  let ca: { cert: string; key: string };
  const dataDir = mkdtempSync(join(tmpdir(), 'tinykube-node-proxy-'));
  const kubeletUrl = (): string => `https://127.0.0.1:${kubelet.port}`;

  before(async () => {
    api = await startTestApi();
    const client = api.client();
    ca = await createCa();
    kubelet = await listenKubelet({ token: TOKEN, host: '127.0.0.1', port: 0, tls: await servingCert(ca, 'node1') });
    handlers = await startPodHandlers(client, singleHost(dataDir), 'node1');
    kubelet.serve({ ...handlers, traffic: async () => REPORT });
    await setNode(client, 'node1', { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } } });
    const p = nodeProxy({ client, token: TOKEN, ca: ca.cert });
    proxy = await serveHandler({ request: p.log, upgrade: p.upgrade });
    pod = await createPod(client, 'box', [{ name: 'main', image: 'busybox' }], runningStatus('127.244.0.8', ['main']));
    const path = logPath(dataDir, pod, 'main', 0);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, 'one\ntwo\nthree\n');
  });
  after(async () => {
    await proxy.close();
    handlers.stop();
    await kubelet.close();
    await api.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('logs, with their query (tailLines) passed on', async () => {
    assert.deepEqual(await get(`${proxy.url}/api/v1/namespaces/default/pods/box/log`), { code: 200, body: 'one\ntwo\nthree\n' });
    assert.deepEqual(await get(`${proxy.url}/api/v1/namespaces/default/pods/box/log?tailLines=1`), { code: 200, body: 'three\n' });
  });

  it('nodes/NAME/proxy reaches the kubelet port with the node token: /healthz, the pods bound to the node, 404 elsewhere', async () => {
    const nodes = await serveHandler({ request: resourceProxy({ client: api.client(), dial: directDialer, nodeToken: TOKEN }).nodes });
    try {
      assert.deepEqual(await get(`${nodes.url}/api/v1/nodes/node1/proxy/healthz`), { code: 200, body: 'ok' });
      const list = JSON.parse((await get(`${nodes.url}/api/v1/nodes/node1/proxy/pods`)).body) as { kind: string; items: Pod[] };
      assert.equal(list.kind, 'PodList');
      assert.deepEqual(list.items.map((p) => p.metadata.name), ['box']);
      assert.equal((await get(`${nodes.url}/api/v1/nodes/node1/proxy/nothing`)).code, 404);
    } finally {
      await nodes.close();
    }
  });

  it("the kubelet's errors come back as they are", async () => {
    const r = await get(`${proxy.url}/api/v1/namespaces/default/pods/box/log?container=nope`);
    assert.equal(r.code, 400);
    assert.equal(JSON.parse(r.body).message, 'container nope is not valid for pod box');
  });

  it('follow streams through the proxy until the container ends', async () => {
    const path = logPath(dataDir, pod, 'main', 0);
    let body = '';
    const ended = new Promise<void>((resolve, reject) => {
      http.get(`${proxy.url}/api/v1/namespaces/default/pods/box/log?follow=true&tailLines=1`, (res) => {
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
          if (body === 'three\n') appendFileSync(path, 'four\n');
        });
        res.on('end', resolve);
      }).on('error', reject);
    });
    const client = api.client();
    for (let i = 0; !body.includes('four') && i < 100; i++) await new Promise((r) => setTimeout(r, 50));
    const current = await client.get<Pod>(R.pods, 'default', 'box');
    const status = { ...current.status!, containerStatuses: [{ name: 'main', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] };
    await client.update(R.pods, 'default', { ...current, status }, { subresource: 'status' });
    await ended;
    assert.equal(body, 'three\nfour\n');
    await client.update(R.pods, 'default', { ...(await client.get<Pod>(R.pods, 'default', 'box')), status: runningStatus('127.244.0.8', ['main']) }, { subresource: 'status' });
  });

  it('exec: the upgrade is forwarded and both ways piped', async () => {
    assert.deepEqual(await exec(proxy.url, 'box', ['echo', 'hi']), { stdout: 'hi\n', status: { metadata: {}, status: 'Success' } });
  });

  it('the kubelet port answers 401 to a wrong or missing token, on log and exec', async () => {
    const path = '/api/v1/namespaces/default/pods/box/log';
    for (const headers of [{}, { Authorization: 'Bearer wrong' }] as Record<string, string>[]) {
      const r = await get(`${kubeletUrl()}${path}`, headers);
      assert.equal(r.code, 401);
      assert.equal(JSON.parse(r.body).reason, 'Unauthorized');
    }
    assert.equal((await get(`${kubeletUrl()}${path}`, { Authorization: `Bearer ${TOKEN}` })).code, 200);
    const refused = await exec(kubeletUrl(), 'box', ['echo', 'hi']);
    assert.equal(refused.refused?.code, 401);
  });

  it("a node's /metrics/resource, as metrics-server scrapes it from the kubelet port", async () => {
    const text = await kubeletText({ client: api.client(), token: TOKEN, ca: ca.cert }, 'node1', '/metrics/resource');
    assert.match(text, /^node_cpu_usage_seconds_total [\d.]+ \d+$/m);
    assert.match(text, /^resource_scrape_error 0$/m);
  });

  it("a node's /traffic through a dialer (a kubelet port inside a node namespace), verified as over a direct connection", async () => {
    // The Node names a port nothing listens on: only the dialled connection reaches the kubelet.
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as AddressInfo;
        s.close(() => resolve(port));
      });
    });
    const client = api.client();
    const kubeletPort = (Port: number): Promise<unknown> => client.patch(R.nodes, undefined, 'node1', 'merge', { status: { daemonEndpoints: { kubeletEndpoint: { Port } } } }, { subresource: 'status' });
    await kubeletPort(closed);
    const dialled: Location[] = [];
    const dial: Dialer = (loc) => {
      dialled.push(loc);
      return directDialer({ ...loc, port: kubelet.port });
    };
    try {
      assert.deepEqual(await kubeletJson<TrafficReport>({ client, token: TOKEN, ca: ca.cert, dial }, 'node1', '/traffic'), REPORT);
      assert.deepEqual(dialled, [{ scheme: 'https', ip: '127.0.0.1', port: closed, node: 'node1' }]);
      // Another CA's certificate is refused over the dialled connection too.
      const other = await createCa();
      await assert.rejects(kubeletJson({ client, token: TOKEN, ca: other.cert, dial }, 'node1', '/traffic'), /failed to verify certificate/);
    } finally {
      await kubeletPort(kubelet.port);
    }
  });

  it("a node's /traffic: the node proxy's counters, from the kubelet port", async () => {
    assert.deepEqual(await kubeletJson<TrafficReport>({ client: api.client(), token: TOKEN, ca: ca.cert }, 'node1', '/traffic'), REPORT);
    const nodes = await serveHandler({ request: resourceProxy({ client: api.client(), dial: directDialer, nodeToken: TOKEN }).nodes });
    try {
      const r = await get(`${nodes.url}/api/v1/nodes/node1/proxy/traffic`);
      assert.deepEqual({ code: r.code, body: JSON.parse(r.body) }, { code: 200, body: REPORT });
      assert.equal((await get(`${nodes.url}/api/v1/nodes/node1/proxy/nothing-here`)).code, 404);
      assert.equal((await get(`${kubeletUrl()}/traffic`)).code, 401);
    } finally {
      await nodes.close();
    }
  });

  it('a node without a kubelet endpoint: 400 with the reason', async () => {
    const client = api.client();
    await setNode(client, 'bare', { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }] });
    const p = await client.create<Pod>(R.pods, 'default', { metadata: { name: 'on-bare' }, spec: { nodeName: 'bare', containers: [{ name: 'c', image: 'busybox' }] } });
    const r = await get(`${proxy.url}/api/v1/namespaces/default/pods/${p.metadata.name}/log`);
    assert.equal(r.code, 400);
    assert.equal(JSON.parse(r.body).message, 'node bare has no kubelet endpoint (status.daemonEndpoints.kubeletEndpoint.Port)');
  });

  it('a kubelet that cannot be reached: 500, worded as kube-apiserver words it', async () => {
    const client = api.client();
    // A port nothing listens on: the kubelet's, once closed.
    const gone = await listenKubelet({ token: TOKEN, host: '127.0.0.1', port: 0, tls: await servingCert(ca, 'down') });
    await gone.close();
    await setNode(client, 'down', { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: gone.port } } });
    await client.create<Pod>(R.pods, 'default', { metadata: { name: 'on-down' }, spec: { nodeName: 'down', containers: [{ name: 'c', image: 'busybox' }] } });
    const path = '/api/v1/namespaces/default/pods/on-down/log?tailLines=2';
    const r = await get(`${proxy.url}${path}`);
    assert.equal(r.code, 500);
    assert.equal(JSON.parse(r.body).message, `Get "https://127.0.0.1:${gone.port}${path}": dial tcp 127.0.0.1:${gone.port}: connect: connection refused`);
    const e = await exec(proxy.url, 'on-down', ['echo', 'hi']);
    assert.equal(e.refused?.code, 500);
    assert.match(e.refused!.message, new RegExp(`^Get "https://127.0.0.1:${gone.port}/api/v1/namespaces/default/pods/on-down/exec\\?.*": dial tcp 127.0.0.1:${gone.port}: connect: connection refused$`));
  });

  it('a kubelet that accepts but never completes the handshake: i/o timeout after the dial timeout', async () => {
    const client = api.client();
    const held: net.Socket[] = [];
    const silent = net.createServer((c) => held.push(c));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as AddressInfo).port;
    const p = nodeProxy({ client, token: TOKEN, ca: ca.cert, dialTimeoutMs: 300 });
    const quick = await serveHandler({ request: p.log, upgrade: p.upgrade });
    try {
      await setNode(client, 'silent', { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } });
      await client.create<Pod>(R.pods, 'default', { metadata: { name: 'on-silent' }, spec: { nodeName: 'silent', containers: [{ name: 'c', image: 'busybox' }] } });
      const path = '/api/v1/namespaces/default/pods/on-silent/log';
      const started = Date.now();
      const r = await get(`${quick.url}${path}`);
      assert.ok(Date.now() - started < 2_000);
      assert.equal(r.code, 500);
      assert.equal(JSON.parse(r.body).message, `Get "https://127.0.0.1:${port}${path}": dial tcp 127.0.0.1:${port}: i/o timeout`);
      const e = await exec(quick.url, 'on-silent', ['true']);
      assert.equal(e.refused?.code, 500);
      assert.match(e.refused!.message, /: i\/o timeout$/);
    } finally {
      await quick.close();
      held.forEach((c) => c.destroy());
      silent.close();
    }
  });

  it("the node token goes only to the node's own certificate from the cluster CA", async () => {
    const client = api.client();
    // Whoever answers at the node's address: another CA's certificate, or another node's.
    const impostors = [
      { node: 'spoofed-ca', tls: await servingCert(await createCa(), 'spoofed-ca'), why: /^tls: failed to verify certificate: / },
      { node: 'spoofed-name', tls: await servingCert(ca, 'someone-else'), why: /certificate is for system:node:someone-else, not system:node:spoofed-name/ },
    ];
    for (const { node, tls, why } of impostors) {
      const tokens: string[] = [];
      const impostor = https.createServer(tls, (req, res) => {
        tokens.push(req.headers.authorization ?? '');
        res.end('stolen');
      });
      impostor.on('upgrade', (req, socket) => {
        tokens.push(req.headers.authorization ?? '');
        socket.destroy();
      });
      await new Promise<void>((r) => impostor.listen(0, '127.0.0.1', r));
      try {
        const port = (impostor.address() as AddressInfo).port;
        await setNode(client, node, { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } });
        await client.create<Pod>(R.pods, 'default', { metadata: { name: `on-${node}` }, spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }] } });
        const r = await get(`${proxy.url}/api/v1/namespaces/default/pods/on-${node}/log`);
        assert.equal(r.code, 500, node);
        assert.match(JSON.parse(r.body).message.split('": ')[1], why);
        const e = await exec(proxy.url, `on-${node}`, ['true']);
        assert.equal(e.refused?.code, 500, node);
        // Before: the server skipped verification and sent the node token to both.
        assert.deepEqual(tokens, [], `${node} received no token`);
      } finally {
        impostor.closeAllConnections();
        await new Promise((r) => impostor.close(r));
      }
    }
  });
});
