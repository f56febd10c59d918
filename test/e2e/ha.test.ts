// Several API servers on one etcd and an agent that fails over, as real processes (`node
// dist/cli/main.js server|agent`) killed by pid: shared CA and tokens, the kubernetes endpoints
// listing the live servers, a pod deletion that waits for the agent's processes, no
// ClusterIP/NodePort/LoadBalancer address handed out twice under concurrent creates on two servers,
// a wrong node token refused, a server killed (kubectl on the other and the agent carry on; a new
// leader schedules new pods), and an agent killed (its Node goes Unknown after the grace period,
// its pods' endpoints not ready, and traffic to the Service goes to the pod on another agent).
// Short lease and grace durations keep it quick.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireMachineLock, releaseMachineLock, eventually, portForward } from './harness.js';
import { startEtcd, type EtcdCluster } from '../store/etcd-process.js';
import { HttpsClient, endpointFromKubeconfig } from '../../src/client/https.js';
import { R } from '../../src/client/client.js';
import { StatusError } from '../../src/util/status-errors.js';
import { ProcessLedger } from '../../src/node/runtime/process-ledger.js';
import type { KubeObject } from '../../src/apis/types.js';
import { kill, startServer, startTinykube as start, type Proc, type Server } from '../support/processes.js';

/** Leader election and identity leases (lease, renew deadline, retry), node grace period. */
const TIMING = ['--leader-elect-lease-duration', '3s', '--leader-elect-renew-deadline', '2s', '--leader-elect-retry-period', '500ms', '--node-monitor-grace-period', '3s'];
const NODE = 'tk-ha-node';
const NODE2 = 'tk-ha-node2';
/** Answers `Hostname: POD`. */
const HELLO = 'gcr.io/google-samples/hello-app:1.0';

function kubectl(s: Server, args: string[], extra: string[] = []): { code: number; out: string } {
  const r = spawnSync('kubectl', ['--kubeconfig', s.kubeconfig, '--cache-dir', join(s.dir, 'kubectl-cache'), ...extra, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status ?? -1, out: (r.stdout ?? '') + (r.stderr ?? '') };
}

function k(s: Server, args: string[]): string {
  const r = kubectl(s, args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.out}`);
  return r.out;
}

const getJson = <T = KubeObject>(s: Server, args: string[]): T => JSON.parse(k(s, [...args, '-o', 'json'])) as T;

const endpointPorts = (s: Server): number[] =>
  getJson<{ subsets?: { ports: { port: number }[] }[] }>(s, ['get', 'endpoints', 'kubernetes']).subsets?.flatMap((x) => x.ports.map((p) => p.port)).sort() ?? [];

const nodeReady = (s: Server, node = NODE): string | undefined =>
  getJson<{ status?: { conditions?: { type: string; status: string }[] } }>(s, ['get', 'node', node]).status?.conditions?.find((c) => c.type === 'Ready')?.status;

describe('several API servers on one etcd, an agent that fails over', () => {
  let etcd: EtcdCluster;
  let root: string;
  let s1: Server;
  let s2: Server;
  let agent: Proc | undefined;
  let agent2: Proc | undefined;
  const agentDir = (name: string): string => join(root, name);
  /** An agent on both servers; the first one has no proxy, a second (NODE2) runs it. */
  const agentArgs = (token: string[], name = NODE, more = ['--disable', 'proxy']): string[] => [
    'agent', '--server', `${s1.url},${s2.url}`, ...token, '--ca-file', join(s2.dir, 'tls', 'ca.crt'),
    '--data-dir', agentDir(name), '--node-name', name, '--node-lease-duration-seconds', '2', '--kubelet-port', '0', ...more,
  ];
  const nodeToken = (): string[] => ['--token-file', join(s1.dir, 'node-token')];

  before(async () => {
    await acquireMachineLock();
    root = mkdtempSync(join(tmpdir(), 'tinykube-ha-'));
    etcd = await startEtcd();
    s1 = await startServer(join(root, 's1'), ['--datastore-endpoint', etcd.endpoints[0], ...TIMING]);
    s2 = await startServer(join(root, 's2'), ['--datastore-endpoint', etcd.endpoints[0], ...TIMING]);
    agent = start(agentArgs(nodeToken()));
    await eventually(() => kubectl(s1, ['get', 'node', NODE]).code === 0 && nodeReady(s1) === 'True', 20_000, 'the agent to join');
  });

  after(async () => {
    await kill(agent);
    await kill(agent2, 'SIGTERM');
    for (const name of [NODE, NODE2]) new ProcessLedger(join(agentDir(name), 'node', 'processes')).killLeftovers();
    await kill(s1?.proc, 'SIGTERM');
    await kill(s2?.proc, 'SIGTERM');
    await etcd?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
    releaseMachineLock();
  });

  it('servers share the CA and tokens: a kubeconfig of one works against the other', () => {
    for (const f of [join('tls', 'ca.crt'), 'token', 'node-token']) {
      assert.equal(readFileSync(join(s1.dir, f), 'utf8'), readFileSync(join(s2.dir, f), 'utf8'), f);
    }
    const r = kubectl(s1, ['get', 'namespace', 'kube-system'], ['--server', s2.url]);
    assert.equal(r.code, 0, r.out);
  });

  it('the kubernetes endpoints list both servers; apiserver identity leases exist', async () => {
    await eventually(() => endpointPorts(s1).join() === [s1.port, s2.port].sort().join(), 10_000, 'both servers in the endpoints');
    const leases = getJson<{ items: KubeObject[] }>(s1, ['get', 'leases', '-n', 'kube-system', '-l', 'apiserver.kubernetes.io/identity=kube-apiserver']);
    assert.equal(leases.items.length, 2);
  });

  it('concurrent creates on two servers never hand out one ClusterIP, NodePort or LoadBalancer address twice', async () => {
    const clients = [s1, s2].map((s) => new HttpsClient(endpointFromKubeconfig(s.kubeconfig), 'ha-test'));
    try {
      const types = ['ClusterIP', 'NodePort', 'LoadBalancer'];
      const created = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          clients[i % 2].create<KubeObject>(R.services, 'default', { metadata: { name: `c${i}` }, spec: { type: types[i % 3], ports: [{ port: 80 }] } }),
        ),
      );
      const ips = created.map((s) => s.spec.clusterIP);
      const ports = created.flatMap((s) => s.spec.ports.map((p: { nodePort?: number }) => p.nodePort).filter(Boolean));
      assert.equal(new Set(ips).size, 60);
      assert.equal(ports.length, 40);
      assert.equal(new Set(ports).size, 40);
      const lbs = await eventually(async () => {
        const { items } = await clients[1].list(R.services, 'default');
        const ingress = items.filter((s) => s.spec.type === 'LoadBalancer').map((s) => s.status?.loadBalancer?.ingress?.[0]?.ip);
        return ingress.length === 20 && ingress.every(Boolean) ? ingress : undefined;
      }, 15_000, 'LoadBalancer addresses');
      assert.equal(new Set(lbs).size, 20);
      await Promise.all(created.map((s, i) => clients[i % 2].delete(R.services, 'default', s.metadata.name!)));
    } finally {
      for (const c of clients) c.close();
    }
  });

  it('a wrong node token gets 401 Unauthorized and creates nothing', async () => {
    const bad = start(agentArgs(['--token', 'not-the-token'], 'tk-ha-intruder'));
    const code = await new Promise((r) => bad.child.once('exit', r));
    assert.equal(code, 1);
    assert.match(bad.output, /Unauthorized/);
    const client = new HttpsClient({ ...endpointFromKubeconfig(s2.kubeconfig), token: 'not-the-token' }, 'ha-test');
    await assert.rejects(client.create(R.namespaces, undefined, { metadata: { name: 'tk-ha-intruder' } }), (e: unknown) => e instanceof StatusError && e.code === 401 && e.reason === 'Unauthorized');
    client.close();
    assert.match(kubectl(s1, ['get', 'node', 'tk-ha-intruder']).out, /NotFound/);
    assert.match(kubectl(s1, ['get', 'namespace', 'tk-ha-intruder']).out, /NotFound/);
  });

  it('logs and exec through either server reach the pod on the agent (its kubelet port)', async () => {
    k(s1, ['run', 'talker', '--image=busybox', '--restart=Never', '--', 'sh', '-c', 'echo one; echo two; sleep 2; echo three']);
    k(s1, ['run', 'box', '--image=busybox', '--', 'sleep', '3600']);
    await eventually(() => k(s1, ['get', 'pod', 'box', '-o', 'jsonpath={.status.phase}']) === 'Running', 20_000, 'box running');
    await eventually(() => k(s2, ['logs', 'talker']).startsWith('one\n'), 10_000, 'talker talking');
    // -f through the other server streams until the container ends.
    const started = Date.now();
    assert.equal(k(s2, ['logs', '-f', 'talker']), 'one\ntwo\nthree\n');
    assert.ok(Date.now() - started < 10_000);
    assert.equal(k(s1, ['logs', 'talker', '--tail=1']), 'three\n');
    const stamped = k(s2, ['logs', 'talker', '--timestamps']).trimEnd().split('\n').map((l) => l.split(' '));
    assert.deepEqual(stamped.map((l) => l[1]), ['one', 'two', 'three']);
    assert.equal(k(s1, ['logs', 'talker', `--since-time=${stamped[2]![0]}`]), 'three\n');
    assert.equal(k(s1, ['exec', 'box', '--', 'echo', 'hi']), 'hi\n');
    assert.equal(k(s2, ['exec', 'box', '--', 'sh', '-c', 'echo $HOSTNAME']), 'box\n');
    const r = kubectl(s2, ['exec', 'box', '--', 'sh', '-c', 'exit 3']);
    assert.equal(r.code, 3, r.out);

    // The node records its kubelet port; it refuses any token but the node token.
    const port = getJson<{ status: { daemonEndpoints: { kubeletEndpoint: { Port: number } } } }>(s1, ['get', 'node', NODE]).status.daemonEndpoints.kubeletEndpoint.Port;
    assert.ok(port > 0 && port !== 10250, `kubelet port ${port}`);
    const url = `https://127.0.0.1:${port}/api/v1/namespaces/default/pods/talker/log`;
    const curl = (token: string): string =>
      spawnSync('curl', ['-sk', '-o', '/dev/null', '-w', '%{http_code}', '-H', `Authorization: Bearer ${token}`, url], { encoding: 'utf8' }).stdout;
    assert.equal(curl('not-the-token'), '401');
    assert.equal(curl(readFileSync(join(s1.dir, 'token'), 'utf8').trim()), '401', 'the admin token is not the node token');
    assert.equal(curl(readFileSync(join(s1.dir, 'node-token'), 'utf8').trim()), '200');
    k(s1, ['delete', 'pod', 'talker', 'box', '--grace-period=0', '--force']);
  });

  it('kubectl delete pod through a server returns only once the agent\'s pod has exited', async () => {
    k(s1, ['run', 'web', '--image=nginx', '--port=80']);
    const ip = await eventually(() => k(s1, ['get', 'pod', 'web', '-o', 'jsonpath={.status.podIP}']), 20_000, 'web to get an IP');
    const code = (): string => spawnSync('curl', ['-s', '-m', '2', '-o', '/dev/null', '-w', '%{http_code}', `http://${ip}:80/`], { encoding: 'utf8' }).stdout;
    await eventually(() => code() === '200', 20_000, 'nginx answering');
    // The built-in nginx answers for a second after SIGTERM; the pod stays Terminating meanwhile.
    k(s2, ['delete', 'pod', 'web']);
    assert.equal(code(), '000', 'nothing answers on the old IP once kubectl delete returned');
  });

  it('port-forward (WebSocket and SPDY) and the Service proxy through either server reach the pod on the agent', async () => {
    k(s1, ['run', 'web', '--image=nginx', '--port=80']);
    k(s1, ['expose', 'pod', 'web', '--port=8080', '--target-port=80']);
    await eventually(() => k(s1, ['get', 'pod', 'web', '-o', 'jsonpath={.status.phase}']) === 'Running', 20_000, 'web running');
    const forwards: ChildProcess[] = [];
    try {
      for (const [s, env] of [[s1, {}], [s2, { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }]] as const) {
        const f = await portForward(['--kubeconfig', s.kubeconfig], 'pod/web', ['0:80'], env, forwards);
        assert.match(await fetch(`http://127.0.0.1:${f.local(80)}/`).then((r) => r.text()), /Welcome to nginx!/);
      }
    } finally {
      for (const p of forwards) p.kill();
    }
    await eventually(() => k(s2, ['get', '--raw', '/api/v1/namespaces/default/services/web:8080/proxy/']).includes('Welcome to nginx!'), 10_000, 'the Service proxy');
    k(s1, ['delete', 'pod', 'web', '--grace-period=0', '--force']);
    k(s1, ['delete', 'service', 'web']);
  });

  it('one server killed: kubectl on the other keeps working, the agent moves over, new pods run', async () => {
    const leader = () => getJson<{ spec: { holderIdentity: string } }>(s2, ['get', 'lease', '-n', 'kube-system', 'kube-controller-manager']).spec.holderIdentity;
    assert.equal(leader(), readFileSync(join(s1.dir, 'server-id'), 'utf8').trim(), 'the first server leads');
    k(s2, ['create', 'deployment', 'before', '--image=nginx', '--replicas=1']);
    await eventually(() => k(s2, ['get', 'pods', '-l', 'app=before', '--field-selector=status.phase=Running', '-o', 'name']).trim() !== '', 20_000, 'a pod before the kill');

    const killedAt = Date.now();
    await kill(s1.proc);
    assert.equal(k(s2, ['get', 'deployment', 'before', '-o', 'name']).trim(), 'deployment.apps/before');
    // s2 takes the lead and runs the controllers; s1 leaves the endpoints within a lease duration.
    await eventually(() => leader() === readFileSync(join(s2.dir, 'server-id'), 'utf8').trim(), 10_000, 's2 to lead');
    await eventually(() => endpointPorts(s2).join() === String(s2.port), 10_000, 's1 out of the endpoints');
    const dropped = Date.now() - killedAt;
    assert.ok(dropped < 3_000 + 2_000, `s1 left the endpoints after ${dropped} ms`);

    k(s2, ['create', 'deployment', 'after', `--image=${HELLO}`, '--replicas=1']);
    await eventually(() => k(s2, ['get', 'pods', '-l', 'app=after', '--field-selector=status.phase=Running', '-o', 'name']).trim() !== '', 20_000, 'a new pod on the agent');
    assert.equal(getJson<{ items: { spec: { nodeName: string } }[] }>(s2, ['get', 'pods', '-l', 'app=after']).items[0].spec.nodeName, NODE);
    // Past a grace period on the new leader, the node is still Ready: the agent renews through s2.
    await new Promise((r) => setTimeout(r, 3_500));
    assert.equal(nodeReady(s2), 'True');
    assert.equal(k(s2, ['get', 'pods', '-l', 'app=before', '-o', 'jsonpath={.items[0].status.phase}']), 'Running');
  });

  it('the agent killed: its Node goes Unknown after the grace period, its pods\' endpoints not ready, traffic goes elsewhere', async () => {
    k(s2, ['expose', 'deployment', 'after', '--port=80', '--target-port=8080']);
    // A Deployment whose pod tolerates an unreachable node for 2 s only (the default is 300 s),
    // on the first agent, the only node so far.
    const evict = JSON.parse(k(s2, ['create', 'deployment', 'evict', `--image=${HELLO}`, '--dry-run=client', '-o', 'json']));
    evict.spec.template.spec.tolerations = [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 }];
    writeFileSync(join(root, 'evict.json'), JSON.stringify(evict));
    k(s2, ['apply', '-f', join(root, 'evict.json')]);
    const evictPods = () => getJson<{ items: KubeObject[] }>(s2, ['get', 'pods', '-l', 'app=evict']).items;
    await eventually(() => evictPods().some((p) => p.spec?.nodeName === NODE && p.status?.phase === 'Running'), 20_000, 'the evict pod running on the first node');
    // A second agent, with the proxy, and a pod of the Service on it.
    agent2 = start(agentArgs(nodeToken(), NODE2, ['--pod-cidr', '127.245.0.0/16']));
    await eventually(() => kubectl(s2, ['get', 'node', NODE2]).code === 0 && nodeReady(s2, NODE2) === 'True', 20_000, 'the second agent to join');
    k(s2, ['run', 'after-2', `--image=${HELLO}`, '--labels=app=after', `--overrides={"spec":{"nodeName":"${NODE2}"}}`]);
    const readiness = () =>
      getJson<{ items: { endpoints?: { conditions: { ready: boolean } }[] }[] }>(s2, ['get', 'endpointslices', '-l', 'kubernetes.io/service-name=after']).items.flatMap((x) => x.endpoints ?? []).map((e) => e.conditions.ready).sort();
    await eventually(() => readiness().join() === 'true,true', 20_000, 'two ready endpoints');
    const killedAt = Date.now();
    await kill(agent);
    await eventually(() => nodeReady(s2) === 'Unknown', 10_000, 'the node Unknown');
    const after = Date.now() - killedAt;
    assert.ok(after >= 2_500, `Unknown after ${after} ms, before the grace period`);
    const taints = getJson<{ spec: { taints?: { key: string; effect: string }[] } }>(s2, ['get', 'node', NODE]).spec.taints?.map((t) => `${t.key}:${t.effect}`);
    assert.deepEqual(taints, ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute']);
    await eventually(() => readiness().join() === 'false,true', 10_000, 'the dead node\'s endpoint not ready');
    // Its tolerations run out: the pod is evicted and its ReplicaSet runs a new one on the live node.
    await eventually(() => evictPods().some((p) => p.spec?.nodeName === NODE2 && p.status?.phase === 'Running'), 20_000, 'the evicted pod replaced on the live node');
    const evicted = evictPods().find((p) => p.spec?.nodeName === NODE);
    assert.ok(evicted?.metadata.deletionTimestamp, 'the pod on the dead node is being deleted');
    assert.equal(evicted?.status?.conditions?.find((c: { type: string }) => c.type === 'DisruptionTarget')?.reason, 'DeletionByTaintManager');
    // The dead agent's pod process still answers, but the proxy sends nothing its way.
    const ip = k(s2, ['get', 'svc', 'after', '-o', 'jsonpath={.spec.clusterIP}']);
    await eventually(async () => {
      const answers = await Promise.all(Array.from({ length: 6 }, async () => (await fetch(`http://${ip}/`, { signal: AbortSignal.timeout(2_000) })).text()));
      return answers.every((a) => a.includes('Hostname: after-2'));
    }, 10_000, 'all traffic to the pod on the live node');
  });
});
