// Dual-stack end to end, conformance-style (upstream's `[Feature:IPv6DualStack]` checks in
// test/e2e/network/dual_stack.go): `tinykube up --network netns` (root) with an IPv4 and an IPv6
// ClusterIP range and pod network, driven with kubectl, busybox's wget/ping inside pods, dig from a
// pod and curl from the outside client's namespace. One cluster for the whole file.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Tinykube, eventually, rows } from './harness.js';
import { inNs, leftovers } from './netns-suite.js';
import { requiresNetns } from '../support/requires.js';

const needs = requiresNetns();
const PREFIX = `tkds${process.pid % 10000}`;
const V6 = /^fd00:/;
const V4 = /^\d+\.\d+\.\d+\.\d+$/;

const APPS = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo}
spec:
  replicas: 2
  selector: {matchLabels: {app: echo}}
  template:
    metadata: {labels: {app: echo}}
    spec:
      containers:
      - name: netexec
        image: registry.k8s.io/e2e-test-images/agnhost:2.53
        args: [netexec, --http-port=8080]
        ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  containers:
  - {name: client, image: busybox, command: [sleep, '3600']}
---
apiVersion: v1
kind: Service
metadata: {name: echo-v6}
spec:
  ipFamilyPolicy: SingleStack
  ipFamilies: [IPv6]
  selector: {app: echo}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: echo-prefer}
spec:
  type: NodePort
  ipFamilyPolicy: PreferDualStack
  selector: {app: echo}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: echo-require}
spec:
  ipFamilyPolicy: RequireDualStack
  ipFamilies: [IPv6, IPv4]
  selector: {app: echo}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: echo-headless}
spec:
  clusterIP: None
  ipFamilyPolicy: RequireDualStack
  selector: {app: echo}
  ports: [{port: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: echo-single}
spec:
  selector: {app: echo}
  ports: [{port: 80, targetPort: 8080}]
`;

/** `http://IP:PORT/PATH` with an IPv6 address in brackets. */
const url = (ip: string, port: number | string, path = 'hostname'): string => `http://${ip.includes(':') ? `[${ip}]` : ip}:${port}/${path}`;

describe('dual-stack: netns network, --service-cidr and --cluster-cidr in both families', { skip: needs.skip }, () => {
  let t: Tinykube;
  const json = <T>(args: string): T => JSON.parse(t.k(`${args} -o json`)) as T;
  const spec = (svc: string): { clusterIP: string; clusterIPs: string[]; ipFamilies: string[]; ipFamilyPolicy: string } =>
    json<{ spec: { clusterIP: string; clusterIPs: string[]; ipFamilies: string[]; ipFamilyPolicy: string } }>(`get svc ${svc}`).spec;
  const echoPods = (): { name: string; podIPs: string[] }[] =>
    json<{ items: { metadata: { name: string }; status: { podIPs?: { ip: string }[] } }[] }>('get pods -l app=echo').items.map((p) => ({
      name: p.metadata.name,
      podIPs: (p.status.podIPs ?? []).map((x) => x.ip),
    }));
  /** wget from the client pod; the body, or '' when it fails. */
  const fromPod = (target: string): string => {
    const r = t.kubectl(['exec', 'client', '--', 'wget', '-qO-', '-T', '2', target]);
    return r.code === 0 ? r.stdout.trim() : '';
  };
  const reaches = (target: string, what: string): Promise<string> => eventually(() => fromPod(target), 20_000, what);

  before(async () => {
    needs.check();
    t = await Tinykube.start([
      '--network', 'netns', '--netns-prefix', PREFIX, '--nodes', '2',
      '--service-cidr', '10.96.0.0/16,fd00:10:96::/108',
      '--cluster-cidr', '10.244.0.0/16,fd00:10:244::/56',
    ]);
    t.k(['apply', '-f', t.manifest('apps.yaml', APPS)]);
    // The rollout first: `wait --all` sees only the pods that exist yet.
    await eventually(
      () => t.kubectl('rollout status deployment/echo --timeout=2s').code === 0 && t.kubectl('wait --for=condition=Ready pod --all --timeout=2s').code === 0,
      90_000,
      'every pod Ready',
    );
  });

  after(async () => {
    const dataDir = t?.dataDir;
    await t?.destroy();
    if (dataDir) assert.deepEqual(leftovers(PREFIX, dataDir), [], 'nothing left behind after stop');
  });

  it('gives nodes an InternalIP and a pod CIDR in each family', () => {
    const nodes = json<{ items: { spec: { podCIDRs: string[] }; status: { addresses: { type: string; address: string }[] } }[] }>('get nodes').items;
    assert.equal(nodes.length, 2);
    for (const n of nodes) {
      const internal = n.status.addresses.filter((a) => a.type === 'InternalIP').map((a) => a.address);
      assert.equal(internal.length, 2, JSON.stringify(internal));
      assert.match(internal[0]!, /^172\.20\.0\.1\d$/);
      assert.match(internal[1]!, /^fd00:20::1\d$/);
      assert.match(n.spec.podCIDRs.join(','), /^10\.244\.\d+\.0\/24,fd00:10:244:\d+::\/64$/);
    }
  });

  it('gives pods an address in each family, IPv4 (the primary) first, and podIP the primary', (ctx) => {
    ctx.diagnostic(t.k('get pods -o wide'));
    for (const p of echoPods()) {
      assert.equal(p.podIPs.length, 2, `${p.name}: ${p.podIPs.join(',')}`);
      assert.match(p.podIPs[0]!, /^10\.244\./);
      assert.match(p.podIPs[1]!, /^fd00:10:244:/);
      assert.equal(t.k(`get pod ${p.name} -o jsonpath={.status.podIP}`), p.podIPs[0]);
    }
    // `get pods -o wide` shows the primary.
    for (const r of rows(t.k('get pods -l app=echo -o wide'))) assert.match(r[5]!, /^10\.244\./);
  });

  it('a pod pings another pod over IPv6, and fetches from it by its IPv6 address', async () => {
    const [a, b] = echoPods();
    for (const p of [a!, b!]) {
      const v6 = p.podIPs[1]!;
      await eventually(() => t.kubectl(['exec', 'client', '--', 'ping', '-c', '1', '-W', '2', v6]).code === 0, 10_000, `a ping reply from ${v6}`);
      assert.equal(await reaches(url(v6, 8080), `${p.name} on ${v6}`), p.name);
    }
  });

  it('allocates ClusterIPs per ipFamilyPolicy: SingleStack IPv6, PreferDualStack, RequireDualStack (IPv6 first)', (ctx) => {
    ctx.diagnostic(t.k('get svc -o wide'));
    const v6 = spec('echo-v6');
    assert.deepEqual([v6.ipFamilyPolicy, v6.ipFamilies, v6.clusterIPs.length], ['SingleStack', ['IPv6'], 1]);
    assert.match(v6.clusterIP, /^fd00:10:96::/);
    const prefer = spec('echo-prefer');
    assert.deepEqual([prefer.ipFamilyPolicy, prefer.ipFamilies], ['PreferDualStack', ['IPv4', 'IPv6']]);
    assert.match(prefer.clusterIPs[0]!, /^10\.96\./);
    assert.match(prefer.clusterIPs[1]!, /^fd00:10:96::/);
    const require = spec('echo-require');
    assert.deepEqual([require.ipFamilyPolicy, require.ipFamilies], ['RequireDualStack', ['IPv6', 'IPv4']]);
    assert.match(require.clusterIP, /^fd00:10:96::/);
    assert.equal(require.clusterIPs[0], require.clusterIP);
    const single = spec('echo-single');
    assert.deepEqual([single.ipFamilyPolicy, single.ipFamilies, single.clusterIPs.length], ['SingleStack', ['IPv4'], 1]);
  });

  it('reaches the same Service over IPv4 and over IPv6 from a pod, and an IPv6-only Service', async () => {
    const names = new Set(echoPods().map((p) => p.name));
    for (const svc of ['echo-prefer', 'echo-require']) {
      for (const ip of spec(svc).clusterIPs) assert.ok(names.has(await reaches(url(ip, 80), `${svc} on ${ip}`)), `${svc} on ${ip}`);
    }
    assert.ok(names.has(await reaches(url(spec('echo-v6').clusterIP, 80), 'echo-v6 on its IPv6 ClusterIP')));
  });

  it('answers a NodePort on the nodes\' IPv6 addresses, from the outside client', async () => {
    const port = t.k('get svc echo-prefer -o jsonpath={.spec.ports[0].nodePort}');
    const names = new Set(echoPods().map((p) => p.name));
    for (const node of ['fd00:20::11', 'fd00:20::12']) {
      const got = await eventually(() => inNs(`${PREFIX}-client`, ['curl', '-s', '-m', '2', url(node, port)]), 15_000, `the NodePort on ${node}`);
      assert.ok(names.has(got), got);
    }
  });

  it('answers AAAA for a headless Service with every pod\'s IPv6 address (dig from a pod)', async () => {
    const want = echoPods().map((p) => p.podIPs[1]!).sort();
    const got = await eventually(() => {
      const r = t.kubectl(['exec', 'client', '--', '/usr/bin/dig', '+short', 'AAAA', 'echo-headless.default.svc.cluster.local']);
      const ips = r.stdout.trim().split('\n').filter((l) => V6.test(l)).sort();
      return ips.length === want.length ? ips : undefined;
    }, 20_000, 'AAAA records for echo-headless');
    assert.deepEqual(got, want);
    const a = t.kubectl(['exec', 'client', '--', '/usr/bin/dig', '+short', 'A', 'echo-headless.default.svc.cluster.local']).stdout.trim().split('\n');
    assert.deepEqual(a.filter((l) => V4.test(l)).sort(), echoPods().map((p) => p.podIPs[0]!).sort());
  });

  it('gives kube-dns a ClusterIP in each family, names both in pods\' resolv.conf, and answers over IPv6', async () => {
    // kubeadm's pick in each family: the 10th address of each service CIDR.
    assert.deepEqual(JSON.parse(t.k('get svc -n kube-system kube-dns -o jsonpath={.spec.clusterIPs}')), ['10.96.0.10', 'fd00:10:96::a']);
    assert.match(t.k(['exec', 'client', '--', 'cat', '/etc/resolv.conf']), /^nameserver 10\.96\.0\.10\nnameserver fd00:10:96::a$/m);
    const dig = (type: string, name: string): string => t.kubectl(['exec', 'client', '--', '/usr/bin/dig', '+short', '@fd00:10:96::a', type, name]).stdout.trim();
    const want = spec('echo-prefer').clusterIPs.find((ip) => V6.test(ip))!;
    await eventually(() => dig('AAAA', 'echo-prefer.default.svc.cluster.local') === want, 20_000, 'AAAA for echo-prefer through kube-dns over IPv6');
    // The DNS pods know both of their Service's addresses: ns.dns answers in each family.
    assert.equal(dig('AAAA', 'ns.dns.cluster.local'), 'fd00:10:96::a');
    assert.equal(dig('A', 'ns.dns.cluster.local'), '10.96.0.10');
  });

  it('upgrades a SingleStack Service to PreferDualStack and back with kubectl patch', async () => {
    const v4 = spec('echo-single').clusterIP;
    t.k(['patch', 'svc', 'echo-single', '-p', '{"spec":{"ipFamilyPolicy":"PreferDualStack"}}']);
    const up = spec('echo-single');
    assert.deepEqual([up.ipFamilyPolicy, up.ipFamilies, up.clusterIPs[0]], ['PreferDualStack', ['IPv4', 'IPv6'], v4]);
    const v6 = up.clusterIPs[1]!;
    assert.match(v6, /^fd00:10:96::/);
    assert.ok(await reaches(url(v6, 80), 'echo-single on its new IPv6 ClusterIP'));

    // Back to SingleStack: the API server keeps the primary and drops the secondary.
    t.k(['patch', 'svc', 'echo-single', '-p', '{"spec":{"ipFamilyPolicy":"SingleStack"}}']);
    const down = spec('echo-single');
    assert.deepEqual([down.ipFamilyPolicy, down.ipFamilies, down.clusterIPs], ['SingleStack', ['IPv4'], [v4]]);
    await eventually(() => fromPod(url(v6, 80)) === '', 20_000, 'the dropped IPv6 ClusterIP no longer answering');
    assert.ok(fromPod(url(v4, 80)));
  });
});
