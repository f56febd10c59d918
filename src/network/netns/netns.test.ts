// The netns cluster network for real: namespaces, veths, bridges and routes made with `ip`, and
// traffic between them with curl. Needs root and iproute2: it fails, not skips, without them.
// Everything is named with a prefix of its own and removed in after(), even on failure.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { NetnsExecer, type Execer } from '../../util/execer.js';
import { createClusterNetwork, destroyClusterNetwork, listClusterNamespaces } from './cluster.js';
import { ETC_NETNS, podNs, podVeth, type ClusterPlan } from './names.js';
import { createPodSandbox, deletePodSandbox } from './sandbox.js';
import { IpBatchingExecer } from './ip-batching-execer.js';
import { SpawnHelperExecer } from '../../util/spawn-helper.js';

const PREFIX = `tkt-${randomBytes(3).toString('hex')}`;
/** The dual-stack cluster's: a second network beside the first. */
const PREFIX6 = `${PREFIX}-ds`;
const host = new NetnsExecer();
const servers: ChildProcess[] = [];
const fixture = new URL('../../../test/support/sandbox-fixture.ts', import.meta.url).pathname;

async function sh(ns: string | undefined, argv: string[]): Promise<{ code: number; out: string }> {
  const r = await new NetnsExecer(ns).run(argv);
  return { code: r.code, out: r.stdout + r.stderr };
}

async function ok(ns: string | undefined, argv: string[]): Promise<string> {
  const r = await new NetnsExecer(ns).run(argv);
  assert.equal(r.code, 0, `${ns ?? 'host'}: ${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const curl = (ns: string, url: string) => ok(ns, ['curl', '-sS', '-m', '2', url]);
const url = (ip: string, port: number): string => `http://${ip.includes(':') ? `[${ip}]` : ip}:${port}/`;

/** An HTTP server answering `name`, started inside `ns` (ip netns exec execs it: same pid). */
async function serve(ns: string, ip: string, port: number, name: string, probeFrom: string): Promise<void> {
  const code = `require('http').createServer((q, s) => s.end(${JSON.stringify(name)})).listen(${port}, ${JSON.stringify(ip)})`;
  servers.push(spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', code], { stdio: 'ignore' }));
  for (let i = 0; i < 100; i++) {
    if ((await sh(probeFrom, ['curl', '-sS', '-m', '1', url(ip, port)])).out === name) return;
    await sleep(30);
  }
  assert.fail(`server ${name} on ${ip}:${port} in ${ns} did not answer`);
}

async function nothingLeft(): Promise<void> {
  assert.deepEqual(await listClusterNamespaces(PREFIX), []);
  assert.deepEqual(await listClusterNamespaces(PREFIX6), []);
  assert.deepEqual((await ok(undefined, ['ip', 'netns', 'list'])).split('\n').filter((l) => l.startsWith(PREFIX)), []);
  assert.equal(existsSync(ETC_NETNS) ? (await ok(undefined, ['ls', ETC_NETNS])).split('\n').filter((f) => f.startsWith(PREFIX)).length : 0, 0);
}

before(() => assert.equal(process.getuid?.(), 0, 'these tests need root: they create network namespaces'));

after(async () => {
  for (const s of servers) s.kill('SIGKILL');
  await destroyClusterNetwork(PREFIX);
  await destroyClusterNetwork(PREFIX6);
  await nothingLeft();
});

describe('netns cluster network', () => {
  let plan: ClusterPlan;
  const pods = {
    a: { uid: randomUUID(), ip: '10.244.1.5', hostname: 'pod-a' },
    b: { uid: randomUUID(), ip: '10.244.2.5', hostname: 'pod-b' },
    c: { uid: randomUUID(), ip: '10.244.1.6', hostname: 'pod-c' },
  };
  const ns = (p: { uid: string }) => podNs(PREFIX, p.uid);

  it('creates a 2-node cluster over leftovers of the same prefix (reconcile)', async (t) => {
    const stale = `${PREFIX}-pod-${'ab'.repeat(6)}`;
    await ok(undefined, ['ip', 'netns', 'add', `${PREFIX}-node-1`]);
    await ok(undefined, ['ip', 'netns', 'add', stale]);
    mkdirSync(`${ETC_NETNS}/${stale}`, { recursive: true });
    const sleeper = spawn('ip', ['netns', 'exec', stale, 'sleep', '60'], { stdio: 'ignore' });
    servers.push(sleeper);
    const died = new Promise((resolve) => sleeper.once('exit', resolve));
    await sleep(100);

    const start = performance.now();
    plan = await createClusterNetwork({ prefix: PREFIX, nodes: 2 });
    t.diagnostic(`createClusterNetwork (2 nodes, over leftovers): ${(performance.now() - start).toFixed(0)} ms`);

    assert.deepEqual((await listClusterNamespaces(PREFIX)).sort(), [`${PREFIX}-client`, `${PREFIX}-node-1`, `${PREFIX}-node-2`, `${PREFIX}-underlay`]);
    assert.equal(existsSync(`${ETC_NETNS}/${stale}`), false);
    await died; // the leftover's process was killed with its namespace
    assert.match(await ok(plan.nodes[0]!.ns, ['ip', '-4', '-o', 'addr']), /eth0\s+inet 172\.20\.0\.11\/24 .*cni0\s+inet 10\.244\.1\.1\/24/s);
    assert.match(await ok(plan.nodes[0]!.ns, ['ip', 'route']), /10\.244\.2\.0\/24 via 172\.20\.0\.12 dev eth0/);
    assert.equal((await ok(plan.nodes[0]!.ns, ['sysctl', '-n', 'net.ipv4.ip_forward', 'net.ipv4.conf.cni0.send_redirects'])).trim(), '1\n0');
  });

  it('creates pod sandboxes from the host and from inside a node namespace', async (t) => {
    const [n1, n2] = plan.nodes as [ClusterPlan['nodes'][0], ClusterPlan['nodes'][0]];
    // A new pod costs two processes (the node side with the namespace, then the pod side).
    const runs: string[][] = [];
    const counting: Execer = { run: (argv, stdin) => (runs.push(argv), host.run(argv, stdin)) };
    const start = performance.now();
    await createPodSandbox({ prefix: PREFIX, node: n1, namespace: 'shop', ...pods.a }, counting);
    t.diagnostic(`createPodSandbox: ${(performance.now() - start).toFixed(0)} ms, ${runs.length} processes`);
    assert.equal(runs.length, 2, runs.map((a) => a.join(' ')).join('\n'));
    assert.match(await ok(n1.ns, ['ip', '-d', '-o', 'link', 'show', podVeth(pods.a.uid)]), /master cni0 .*state UP.* hairpin on /);
    await createPodSandbox({ prefix: PREFIX, node: n2, namespace: 'shop', subdomain: 'web', ...pods.b });
    // As a node agent started with `ip netns exec NODE` would: in the node's namespace and in a
    // private mount namespace (see mount-ns.ts).
    const o = JSON.stringify({ prefix: PREFIX, node: n1, namespace: 'shop', ...pods.c });
    assert.equal(await ok(n1.ns, [process.execPath, '--import', 'tsx', fixture, o]), ns(pods.c));

    for (const p of Object.values(pods)) {
      assert.match(await ok(ns(p), ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']), new RegExp(` inet ${p.ip.replace(/\./g, '\\.')}/32 `));
    }
    assert.equal(await ok(ns(pods.c), ['ip', 'route']), `default via 10.244.1.1 dev eth0 \n10.244.1.1 dev eth0 scope link \n`);
    assert.match(await ok(n1.ns, ['ip', '-o', 'link', 'show', 'master', 'cni0']), new RegExp(podVeth(pods.c.uid)));
  });

  it('fails a pod whose setup fails, naming it, and leaves nothing of it', async () => {
    const n1 = plan.nodes[0]!;
    const bad = { uid: randomUUID(), ip: '10.244.1.300', hostname: 'pod-bad' };
    await assert.rejects(createPodSandbox({ prefix: PREFIX, node: n1, namespace: 'shop', ...bad }), (e: Error) => {
      assert.match(e.message, /^failed to set up sandbox for pod shop\/pod-bad \(uid [0-9a-f-]+\): ip -n \S+ -batch - failed \(exit 1\): .*10\.244\.1\.300/s);
      return true;
    });
    assert.ok(!(await listClusterNamespaces(PREFIX)).includes(ns(bad)));
    assert.notEqual((await sh(n1.ns, ['ip', 'link', 'show', podVeth(bad.uid)])).code, 0, 'the node side of the veth is gone');
    // The node is unharmed: the next pod comes up.
    await createPodSandbox({ prefix: PREFIX, node: n1, namespace: 'shop', ...bad, ip: '10.244.1.9' });
    await deletePodSandbox(PREFIX, bad.uid);
  });

  it('sets up pods together as a node agent does: their node sides in one ip, a failure only its pod', async () => {
    const n2 = plan.nodes[1]!;
    const nodeRuns: string[] = [];
    const helper = new SpawnHelperExecer();
    const exec = new IpBatchingExecer({ run: (argv, stdin) => (argv.includes(`--net=/run/netns/${n2.ns}`) && nodeRuns.push(stdin ?? ''), helper.run(argv, stdin)) });
    const together = [20, 21, 22, 23].map((i) => ({ uid: randomUUID(), ip: `10.244.2.${i}`, hostname: `pod-t${i}` }));
    // The third's veth name is taken on the node: its `link add` fails.
    await ok(n2.ns, ['ip', 'link', 'add', podVeth(together[2]!.uid), 'type', 'bridge']);
    try {
      const results = await Promise.allSettled(together.map((p) => createPodSandbox({ prefix: PREFIX, node: n2, namespace: 'shop', ...p }, exec)));
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      assert.match((results[2] as PromiseRejectedResult).reason.message, /^failed to set up sandbox for pod shop\/pod-t22 .*File exists/s);
      // The first alone, the other three in one, the fourth again after the third's failure.
      assert.deepEqual(nodeRuns.map((stdin) => stdin.match(/^netns add/gm)?.length), [1, 3, 1]);
      for (const p of [together[0]!, together[1]!, together[3]!]) {
        assert.match(await ok(ns(p), ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']), new RegExp(` inet ${p.ip.replace(/\./g, '\\.')}/32 `));
      }
      assert.ok(!(await listClusterNamespaces(PREFIX)).includes(ns(together[2]!)));
    } finally {
      await helper.close();
      for (const p of together) await deletePodSandbox(PREFIX, p.uid);
    }
  });

  it('carries pod traffic across nodes, on one node (through the node) and from nodes', async () => {
    const [n1, n2] = plan.nodes;
    await serve(ns(pods.a), pods.a.ip, 8080, 'pod-a', n1!.ns);
    await serve(ns(pods.b), pods.b.ip, 8080, 'pod-b', n2!.ns);
    assert.equal(await curl(ns(pods.b), 'http://10.244.1.5:8080/'), 'pod-a'); // node 2 → node 1
    assert.equal(await curl(ns(pods.a), 'http://10.244.2.5:8080/'), 'pod-b'); // node 1 → node 2
    assert.equal(await curl(ns(pods.c), 'http://10.244.1.5:8080/'), 'pod-a'); // same node
    assert.equal(await curl(n2!.ns, 'http://10.244.1.5:8080/'), 'pod-a'); // a node to another node's pod
    // Same-node traffic went through the node: pod c has resolved no neighbour but its gateway.
    assert.deepEqual((await ok(ns(pods.c), ['ip', '-4', 'neigh', 'show', 'dev', 'eth0'])).trim().split('\n').map((l) => l.split(' ')[0]), ['10.244.1.1']);
  });

  it('gives pods resolv.conf and hosts through ip netns exec', async () => {
    assert.equal(await ok(ns(pods.a), ['cat', '/etc/resolv.conf']), 'search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
    const hosts = await ok(ns(pods.a), ['cat', '/etc/hosts']);
    assert.match(hosts, /^127\.0\.0\.1\tlocalhost$/m);
    assert.match(hosts, /\n10\.244\.1\.5\tpod-a\n$/);
    assert.match(await ok(ns(pods.b), ['cat', '/etc/hosts']), /^10\.244\.2\.5\tpod-b\.web\.shop\.svc\.cluster\.local\tpod-b$/m);
    assert.match(await ok(ns(pods.c), ['getent', 'hosts', 'pod-c']), /^10\.244\.1\.6\s+pod-c$/m);
  });

  it('lets the client reach node addresses but not pods', async () => {
    const n1 = plan.nodes[0]!;
    await serve(n1.ns, n1.nodeIP, 30080, 'node-1', plan.clientNs);
    assert.equal(await curl(plan.clientNs, 'http://172.20.0.11:30080/'), 'node-1');
    const r = await sh(plan.clientNs, ['ip', 'route', 'get', '10.244.1.5']);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /unreachable/);
    assert.equal((await ok(plan.clientNs, ['ip', 'route'])).trim(), '172.20.0.0/24 dev eth0 proto kernel scope link src 172.20.0.2');
  });

  it('keeps an existing sandbox, recreates one with another address, deletes one', async () => {
    const n1 = plan.nodes[0]!;
    await createPodSandbox({ prefix: PREFIX, node: n1, namespace: 'shop', ...pods.a });
    assert.equal(await curl(ns(pods.c), 'http://10.244.1.5:8080/'), 'pod-a'); // the server's namespace is the same one

    await createPodSandbox({ prefix: PREFIX, node: n1, namespace: 'shop', ...pods.c, ip: '10.244.1.7' });
    assert.match(await ok(ns(pods.c), ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']), / inet 10\.244\.1\.7\/32 /);
    assert.equal(await curl(ns(pods.c), 'http://10.244.1.5:8080/'), 'pod-a');

    await deletePodSandbox(PREFIX, pods.c.uid);
    await deletePodSandbox(PREFIX, pods.c.uid); // twice: nothing to do
    assert.ok(!(await listClusterNamespaces(PREFIX)).includes(ns(pods.c)));
    assert.notEqual((await sh(n1.ns, ['ip', 'link', 'show', podVeth(pods.c.uid)])).code, 0, 'the node side of the veth is gone');
    assert.equal(existsSync(`${ETC_NETNS}/${ns(pods.c)}`), false);
  });

  it('destroys everything of the prefix, pods and their files included', async (t) => {
    const start = performance.now();
    await destroyClusterNetwork(PREFIX);
    t.diagnostic(`destroyClusterNetwork: ${(performance.now() - start).toFixed(0)} ms`);
    await nothingLeft();
    assert.equal((await host.run(['ip', 'netns', 'list'])).stdout.includes(PREFIX), false);
  });
});

describe('netns cluster network, dual-stack', () => {
  let plan: ClusterPlan;
  const pods = {
    a: { uid: randomUUID(), ip: '10.244.1.5', ip6: 'fd00:10:244:1::5', hostname: 'pod-a' },
    b: { uid: randomUUID(), ip: '10.244.2.5', ip6: 'fd00:10:244:2::5', hostname: 'pod-b' },
  };
  const ns = (p: { uid: string }) => podNs(PREFIX6, p.uid);

  before(async () => {
    plan = await createClusterNetwork({ prefix: PREFIX6, nodes: 2, clusterCIDRs: ['10.244.0.0/16', 'fd00:10:244::/56'] });
    await createPodSandbox({ prefix: PREFIX6, node: plan.nodes[0]!, namespace: 'shop', ...pods.a });
    await createPodSandbox({ prefix: PREFIX6, node: plan.nodes[1]!, namespace: 'shop', ...pods.b });
  });
  after(() => destroyClusterNetwork(PREFIX6));

  it('gives pods an IPv6 /128 behind cni0 and a default route in both families', async () => {
    assert.match(await ok(ns(pods.a), ['ip', '-6', '-o', 'addr', 'show', 'dev', 'eth0', 'scope', 'global']), / inet6 fd00:10:244:1::5\/128 scope global nodad/);
    assert.match(await ok(ns(pods.a), ['ip', '-6', 'route']), /^default via fd00:10:244:1::1 dev eth0/m);
    assert.match(await ok(plan.nodes[0]!.ns, ['ip', '-6', 'route']), /^fd00:10:244:2::\/64 via fd00:20::12 dev eth0/m);
    assert.match(await ok(ns(pods.a), ['cat', '/etc/hosts']), /\n10\.244\.1\.5\tpod-a\nfd00:10:244:1::5\tpod-a\n$/);
  });

  it('carries IPv6 pod traffic across nodes from the first packet (no duplicate address detection wait)', async () => {
    const [n1, n2] = plan.nodes;
    // Nothing has sent a packet over these links yet. Before link-local addresses skipped DAD, a
    // node forwarding the first packet waited ~2 s for its own link-local address: -m 1 fails then.
    assert.match(await ok(ns(pods.b), ['busybox', 'ping', '-c', '1', '-W', '1', 'fd00:10:244:1::5']), /1 packets received/);
    await serve(ns(pods.a), pods.a.ip6, 8080, 'pod-a', n1!.ns);
    await serve(ns(pods.b), pods.b.ip6, 8080, 'pod-b', n2!.ns);
    assert.equal(await ok(ns(pods.a), ['curl', '-sS', '-m', '1', url(pods.b.ip6, 8080)]), 'pod-b');
    assert.equal(await curl(ns(pods.b), url(pods.a.ip6, 8080)), 'pod-a');
    assert.equal(await curl(n2!.ns, url(pods.a.ip6, 8080)), 'pod-a'); // a node to another node's pod
    assert.equal(await curl(ns(pods.b), url(pods.a.ip, 8080)).catch(() => 'refused'), 'refused', 'the server listens on IPv6 only');
  });

  it('gives the outside client an IPv6 address that reaches nodes, not pods', async () => {
    const n1 = plan.nodes[0]!;
    await serve(n1.ns, n1.v6!.nodeIP, 30080, 'node-1', plan.clientNs);
    assert.equal(await curl(plan.clientNs, url('fd00:20::11', 30080)), 'node-1');
    assert.notEqual((await sh(plan.clientNs, ['ip', 'route', 'get', 'fd00:10:244:1::5'])).code, 0);
  });
});
