// Services carry traffic: a Deployment behind ClusterIP, NodePort and LoadBalancer addresses,
// driven by the real kubectl and curl against `tinykube up` (node agent, workload and
// endpoint controllers, proxy). Clients run asynchronously: the outside server lives in this
// process and must keep answering while curl runs.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { eventually, Tinykube } from './harness.js';

interface Curl {
  code: number;
  body: string;
}

function curl(url: string, extra: string[] = []): Promise<Curl> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '-m', '5', ...extra, url], { encoding: 'utf8' }, (err, stdout) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, body: stdout.trim() });
    });
  });
}

async function bodies(url: string, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await curl(url);
    assert.equal(r.code, 0, `curl ${url} failed (${r.code})`);
    out.push(r.body);
  }
  return out;
}

const distinct = (xs: string[]): string[] => [...new Set(xs)].sort();

function udpAsk(ip: string, port: number, msg: string): Promise<string> {
  const s = dgram.createSocket('udp4');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (s.close(), reject(new Error('no UDP answer'))), 2000);
    s.once('message', (m) => (clearTimeout(timer), s.close(), resolve(m.toString().trim())));
    s.send(msg, port, ip);
  });
}

const WEB = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: ikubernetes/myapp:v1
        ports: [{containerPort: 8080, name: http}, {containerPort: 9090, name: admin}]
        readinessProbe: {httpGet: {path: /hostname.html, port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports:
  - {name: http, port: 8080, targetPort: http}
  - {name: admin, port: 9090, targetPort: admin}
`;

const NETEXEC = `apiVersion: apps/v1
kind: Deployment
metadata: {name: netexec}
spec:
  replicas: 1
  selector: {matchLabels: {app: netexec}}
  template:
    metadata: {labels: {app: netexec}}
    spec:
      containers:
      - name: netexec
        image: registry.k8s.io/e2e-test-images/agnhost:2.47
        args: [netexec, --http-port=8080, --udp-port=8080]
        ports: [{containerPort: 8080, protocol: TCP}, {containerPort: 8080, protocol: UDP}]
---
apiVersion: v1
kind: Service
metadata: {name: netexec}
spec:
  selector: {app: netexec}
  ports:
  - {name: tcp, port: 8080, protocol: TCP}
  - {name: udp, port: 8080, protocol: UDP}
`;

describe('Services carry traffic (userspace proxy)', () => {
  let t: Tinykube;
  let outside: http.Server;
  let svc: { vip: string; nodePort: number; lb?: string };
  let pods: string[];

  before(async () => {
    t = await Tinykube.start();
    outside = http.createServer((_q, r) => r.end('outside\n'));
    await new Promise<void>((r) => outside.listen(0, '127.0.0.1', () => r()));
    t.k(['apply', '-f', t.manifest('web.yaml', WEB)]);
    await eventually(() => t.k('get endpointslices -l kubernetes.io/service-name=web -o json').split('"ready": true').length - 1 === 3, 60_000, '3 ready endpoints');
    const s = JSON.parse(t.k('get svc web -o json'));
    svc = { vip: s.spec.clusterIP, nodePort: s.spec.ports[0].nodePort };
    pods = t.k('get pods -l app=web -o jsonpath={.items[*].metadata.name}').split(' ').sort();
  });

  after(async () => {
    await new Promise((r) => outside?.close(r));
    await t?.destroy();
  });

  it('many requests to the ClusterIP see every pod', async () => {
    await eventually(async () => (await curl(`http://${svc.vip}:8080/hostname.html`)).code === 0, 10_000, 'ClusterIP serving');
    assert.deepEqual(distinct(await bodies(`http://${svc.vip}:8080/hostname.html`, 30)), pods);
  });

  it('the NodePort on the node address and the LoadBalancer address', async () => {
    assert.deepEqual(distinct(await bodies(`http://127.0.0.1:${svc.nodePort}/hostname.html`, 15)), pods);
    const lb = await eventually(() => t.k('get svc web -o jsonpath={.status.loadBalancer.ingress[0].ip}'), 20_000, 'LoadBalancer IP');
    await eventually(async () => (await curl(`http://${lb}:8080/hostname.html`)).code === 0, 10_000, 'LoadBalancer IP serving');
    assert.deepEqual(distinct(await bodies(`http://${lb}:8080/hostname.html`, 15)), pods);
  });

  it("kube-proxy's own ports on the node: proxyMode, healthz, metrics and a Local LoadBalancer's healthCheckNodePort", async () => {
    assert.deepEqual(await curl('http://127.0.0.1:10249/proxyMode'), { code: 0, body: 'userspace' });
    assert.match((await curl('http://127.0.0.1:10249/metrics')).body, /^kubeproxy_sync_proxy_rules_duration_seconds_count \d+$/m);
    const healthz = await curl('http://127.0.0.1:10256/healthz', ['-w', '\n%{http_code}']);
    assert.match(healthz.body, /^\{"lastUpdated": "[^"]+","currentTime": "[^"]+", "nodeEligible": true\}\n200$/);
    const local = (name: string, app: string): string =>
      `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}}\nspec:\n  type: LoadBalancer\n  externalTrafficPolicy: Local\n  selector: {app: ${app}}\n  ports: [{port: 80, targetPort: 80}]\n`;
    t.k(['apply', '-f', t.manifest('local.yaml', `${local('web-local', 'web')}---\n${local('nobody-local', 'nobody')}`)]);
    const hcnp = (name: string): string => t.k(['get', 'svc', name, '-o', 'jsonpath={.spec.healthCheckNodePort}']);
    const ask = (port: string): Promise<Curl> => curl(`http://127.0.0.1:${port}/`, ['-w', '\n%{http_code}']);
    const webPort = hcnp('web-local');
    const answer = await eventually(async () => {
      const r = await ask(webPort);
      return r.body.endsWith('200') && r.body;
    }, 10_000, 'web-local health check port serving');
    assert.equal(answer, '{\n\t"service": {\n\t\t"namespace": "default",\n\t\t"name": "web-local"\n\t},\n\t"localEndpoints": 3,\n\t"serviceProxyHealthy": true\n}\n200');
    const nobody = await eventually(async () => (await ask(hcnp('nobody-local'))).body, 10_000, 'nobody-local health check port serving');
    assert.match(nobody, /"localEndpoints": 0,[\s\S]*\n503$/);
    t.k('delete svc web-local nobody-local');
    await eventually(async () => (await ask(webPort)).code === 7, 10_000, 'the health check port closed with its Service');
  });

  it('multi-port: the second port reaches the same pods', async () => {
    assert.deepEqual(distinct(await bodies(`http://${svc.vip}:9090/hostname.html`, 15)), pods);
  });

  it('sessionAffinity ClientIP: sticky, then off, then on again', async () => {
    const url = `http://${svc.vip}:8080/hostname.html`;
    t.k(['patch', 'svc', 'web', '-p', '{"spec":{"sessionAffinity":"ClientIP"}}']);
    await eventually(async () => distinct(await bodies(url, 10)).length === 1, 10_000, 'sticky');
    t.k(['patch', 'svc', 'web', '-p', '{"spec":{"sessionAffinity":"None"}}']);
    await eventually(async () => distinct(await bodies(url, 10)).length === 3, 10_000, 'spread');
    t.k(['patch', 'svc', 'web', '-p', '{"spec":{"sessionAffinity":"ClientIP"}}']);
    await eventually(async () => distinct(await bodies(url, 10)).length === 1, 10_000, 'sticky again');
    t.k(['patch', 'svc', 'web', '-p', '{"spec":{"sessionAffinity":"None"}}']);
  });

  it('every pod replaced one by one while a client loops: zero failed requests', async () => {
    const url = `http://${svc.vip}:8080/hostname.html`;
    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const loop = (async () => {
      while (!stop) {
        const r = await curl(url);
        if (r.code === 0) ok++;
        else failures.push(`curl exit ${r.code}`);
      }
    })();
    t.k('rollout restart deployment/web');
    // Asynchronously: a blocking kubectl would stall the client loop in this process.
    const status = t.kubectlStream(['rollout', 'status', 'deployment/web', '--timeout=120s']);
    assert.equal(await new Promise((r) => status.once('exit', r)), 0, 'rollout finished');
    await eventually(() => {
      const now = t.k('get pods -l app=web -o jsonpath={.items[*].metadata.name}').split(' ').sort();
      return now.length === 3 && now.every((p) => !pods.includes(p));
    }, 60_000, 'three new pods');
    stop = true;
    await loop;
    assert.deepEqual(failures, []);
    assert.ok(ok > 10, `${ok} requests went through`);
  });

  it('the same port on TCP and UDP (agnhost netexec)', async () => {
    t.k(['apply', '-f', t.manifest('netexec.yaml', NETEXEC)]);
    await eventually(() => t.k('get endpointslices -l kubernetes.io/service-name=netexec -o json').includes('"ready": true'), 60_000, 'netexec ready');
    const vip = t.k('get svc netexec -o jsonpath={.spec.clusterIP}');
    const pod = t.k('get pods -l app=netexec -o jsonpath={.items[0].metadata.name}');
    await eventually(async () => (await curl(`http://${vip}:8080/hostname`)).body === pod, 10_000, 'TCP');
    assert.equal(await eventually(() => udpAsk(vip, 8080, 'hostname'), 10_000, 'UDP'), pod);
  });

  it('a selector-less Service to a server outside tinykube via manual Endpoints', async () => {
    const port = (outside.address() as AddressInfo).port;
    t.k(['apply', '-f', t.manifest('outside.yaml', `apiVersion: v1
kind: Service
metadata: {name: outside}
spec:
  ports: [{port: 8088, targetPort: ${port}}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: outside}
subsets:
- addresses: [{ip: 127.0.0.1}]
  ports: [{port: ${port}}]
`)]);
    const vip = t.k('get svc outside -o jsonpath={.spec.clusterIP}');
    assert.equal((await eventually(async () => (await curl(`http://${vip}:8088/`)).body === 'outside' && 'ok', 20_000, 'outside reachable')), 'ok');
  });

  it('a Service without endpoints refuses at once', async () => {
    t.k(['create', 'service', 'clusterip', 'nobody', '--tcp=8089:8089']);
    const vip = t.k('get svc nobody -o jsonpath={.spec.clusterIP}');
    const r = await curl(`http://${vip}:8089/`);
    assert.equal(r.code, 7, 'curl: could not connect (refused), not 28 (timed out)');
  });
});
