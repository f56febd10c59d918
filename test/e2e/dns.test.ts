// Cluster DNS end to end: `tinykube up --dns-workers 2`, objects applied with kubectl, questions
// asked with dig of the DNS server's own address (UDP answered by the worker processes, TCP by
// the main one) and of the kube-dns ClusterIP (through the proxy). Names
// outside the cluster go to a fake upstream on loopback (--dns-upstream), never the Internet.
// Pods here run in the loopback network; asking from inside pods (resolv.conf search paths)
// needs the netns network.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { eventually, Tinykube } from './harness.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { requiresCommand } from '../support/requires.js';

const needsDig = requiresCommand(['dig', '-v'], 'apt-get install dnsutils');
const NS = 'dns-e2e';
const MANY = 40;

const pod = (i: number) => `
apiVersion: v1
kind: Pod
metadata: { name: web-${i}, namespace: ${NS}, labels: { app: web } }
spec:
  hostname: web-${i}
  subdomain: hdls
  containers: [{ name: web, image: nginx, ports: [{ name: http, containerPort: 80 }] }]
`;

const MANIFEST = `
apiVersion: v1
kind: Namespace
metadata: { name: ${NS} }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: ${NS} }
spec: { selector: { app: web }, ports: [{ name: http, port: 80, targetPort: http }] }
---
apiVersion: v1
kind: Service
metadata: { name: hdls, namespace: ${NS} }
spec: { clusterIP: None, selector: { app: web }, ports: [{ name: http, port: 80, targetPort: http }] }
---
apiVersion: v1
kind: Service
metadata: { name: ext, namespace: ${NS} }
spec: { type: ExternalName, externalName: www.example.test }
---
apiVersion: v1
kind: Service
metadata: { name: many, namespace: ${NS} }
spec: { clusterIP: None, ports: [{ name: http, port: 80 }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: many-1, namespace: ${NS}, labels: { kubernetes.io/service-name: many } }
addressType: IPv4
ports: [{ name: http, port: 80, protocol: TCP }]
endpoints:
${Array.from({ length: MANY }, (_, i) => `  - addresses: ["127.244.200.${i + 1}"]`).join('\n')}
---
${[0, 1, 2].map(pod).join('---\n')}`;

describe('cluster DNS', { skip: needsDig.skip }, () => {
  before(needsDig.check);
  let t: Tinykube;
  let upstream: FakeUpstream;
  let server: { address: string; port: string };

  /** dig's output; async, since the fake upstream answers from this process. */
  const dig = async (at: { address: string; port: string }, ...args: string[]): Promise<string> =>
    (await promisify(execFile)('dig', [`@${at.address}`, '-p', at.port, '+tries=1', '+time=2', ...args])).stdout;
  const short = async (...args: string[]) => (await dig(server, '+short', ...args)).trim().split('\n').filter(Boolean).sort();
  const status = async (...args: string[]) => /status: (\w+)/.exec(await dig(server, ...args))?.[1];

  before(async () => {
    upstream = await startFakeUpstream('127.53.9.1', { 'www.example.test': ['192.0.2.10'] });
    t = await Tinykube.start(['--dns-upstream', `127.53.9.1:${upstream.port}`, '--dns-workers', '2']);
    const slice = (path: string) => t.k(['get', 'endpointslice', '-n', 'kube-system', '-l', 'kubernetes.io/service-name=kube-dns', '-o', `jsonpath={.items[0].${path}}`]);
    await eventually(() => slice('endpoints[0].addresses[0]'), 10_000, 'the kube-dns EndpointSlice');
    server = { address: slice('endpoints[0].addresses[0]'), port: slice('ports[?(@.name=="dns")].port') };
    t.k(['apply', '-f', t.manifest('dns.yaml', MANIFEST)]);
  });

  after(async () => {
    await t?.destroy();
    await upstream?.close();
  });

  it('has the kube-dns Service at the tenth service address', () => {
    assert.equal(t.k('get svc kube-dns -n kube-system -o jsonpath={.spec.clusterIP}'), '127.96.0.10');
  });

  it('resolves a ClusterIP Service, across namespaces, over UDP and TCP', async () => {
    const ip = t.k(`get svc web -n ${NS} -o jsonpath={.spec.clusterIP}`);
    assert.deepEqual(await short(`web.${NS}.svc.cluster.local`), [ip]);
    assert.deepEqual(await short('+tcp', `web.${NS}.svc.cluster.local`), [ip]);
    assert.deepEqual(await short('kubernetes.default.svc.cluster.local'), ['127.96.0.1']);
    assert.deepEqual(await short('-x', ip), [`web.${NS}.svc.cluster.local.`]);
    assert.deepEqual(await short(`_http._tcp.web.${NS}.svc.cluster.local`, 'SRV'), [`0 100 80 web.${NS}.svc.cluster.local.`]);
  });

  it('answers through the kube-dns ClusterIP like any Service', async () => {
    const viaProxy = await eventually(async () => (await dig({ address: '127.96.0.10', port: '53' }, '+short', 'kubernetes.default.svc.cluster.local')).trim(), 10_000, 'an answer via 127.96.0.10');
    assert.equal(viaProxy, '127.96.0.1');
  });

  it('resolves a headless Service to its 3 ready pods, each by hostname, with SRV per pod', async () => {
    const podIPs = await eventually(() => {
      const ips = t.k(`get pods -n ${NS} -l app=web -o jsonpath={.items[*].status.podIP}`).split(' ').filter(Boolean);
      return ips.length === 3 ? ips : undefined;
    }, 30_000, '3 pod IPs') as string[];
    await eventually(async () => (await short(`hdls.${NS}.svc.cluster.local`)).length === 3, 30_000, '3 ready endpoints in DNS');
    assert.deepEqual(await short(`hdls.${NS}.svc.cluster.local`), [...podIPs].sort());
    const web0 = t.k(`get pod web-0 -n ${NS} -o jsonpath={.status.podIP}`);
    assert.deepEqual(await short(`web-0.hdls.${NS}.svc.cluster.local`), [web0]);
    // As CoreDNS: one PTR per Service the address backs (the ClusterIP one names it by address).
    assert.deepEqual(await short('-x', web0), [`${web0.replace(/\./g, '-')}.web.${NS}.svc.cluster.local.`, `web-0.hdls.${NS}.svc.cluster.local.`]);
    const srv = await short(`_http._tcp.hdls.${NS}.svc.cluster.local`, 'SRV');
    assert.deepEqual(srv, [0, 1, 2].map((i) => `0 33 80 web-${i}.hdls.${NS}.svc.cluster.local.`));
  });

  it('answers ExternalName with a CNAME chased upstream, and A records once it becomes ClusterIP', async () => {
    assert.deepEqual(await short(`ext.${NS}.svc.cluster.local`), ['192.0.2.10', 'www.example.test.']);
    t.k(['patch', 'svc', 'ext', '-n', NS, '--type', 'merge', '-p', '{"spec":{"type":"ClusterIP","externalName":null,"ports":[{"port":80}]}}']);
    const ip = t.k(`get svc ext -n ${NS} -o jsonpath={.spec.clusterIP}`);
    await eventually(async () => (await short(`ext.${NS}.svc.cluster.local`))[0] === ip, 10_000, 'the A record');
  });

  it('tells NXDOMAIN from NODATA', async () => {
    assert.equal(await status(`nope.${NS}.svc.cluster.local`), 'NXDOMAIN');
    assert.equal(await status('web.nonexistent-ns.svc.cluster.local'), 'NXDOMAIN');
    const nodata = await dig(server, `web.${NS}.svc.cluster.local`, 'AAAA');
    assert.match(nodata, /status: NOERROR/);
    assert.match(nodata, /ANSWER: 0, AUTHORITY: 1/);
    assert.match(nodata, /cluster\.local\.\s+30\s+IN\s+SOA\s+ns\.dns\.cluster\.local\..* 7200 1800 86400 30$/m);
  });

  it('answers as kubeadm\'s CoreDNS does: TTL 30, authoritative, no recursion in the zone', async () => {
    const out = await dig(server, `web.${NS}.svc.cluster.local`);
    assert.match(out, /flags: qr aa rd;/);
    assert.match(out, /WARNING: recursion requested but not available/);
    assert.match(out, new RegExp(`^web\\.${NS}\\.svc\\.cluster\\.local\\.\\s+30\\s+IN\\s+A\\s`, 'm'));
    const forwarded = await dig(server, 'www.example.test');
    assert.match(forwarded, /flags: qr rd ra;/);
    const ttl = Number(/^www\.example\.test\.\s+(\d+)\s+IN\s+A\s+192\.0\.2\.10$/m.exec(forwarded)?.[1]);
    assert.ok(ttl > 0 && ttl <= 30, `TTL ${ttl}: the upstream's 300 capped at 30 as \`cache 30\``);
  });

  it('truncates a large answer over UDP without EDNS0 and completes it over TCP', async () => {
    const udp = await dig(server, '+noedns', '+ignore', `many.${NS}.svc.cluster.local`);
    assert.match(udp, /flags: [a-z ]*\btc\b/);
    assert.equal((await short('+noedns', `many.${NS}.svc.cluster.local`)).length, MANY);
    assert.equal((await short('+tcp', `many.${NS}.svc.cluster.local`)).length, MANY);
  });

  it('resolves a new Service once created and stops once deleted', async () => {
    t.k(`create service clusterip fresh -n ${NS} --tcp=80:80`);
    const ip = t.k(`get svc fresh -n ${NS} -o jsonpath={.spec.clusterIP}`);
    await eventually(async () => (await short(`fresh.${NS}.svc.cluster.local`))[0] === ip, 5_000, 'the new Service');
    t.k(`delete service fresh -n ${NS}`);
    await eventually(async () => (await status(`fresh.${NS}.svc.cluster.local`)) === 'NXDOMAIN', 5_000, 'NXDOMAIN');
  });

  it('serves the schema version', async () => {
    assert.deepEqual(await short('dns-version.cluster.local', 'TXT'), ['"1.1.0"']);
  });
});
