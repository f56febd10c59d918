// The netns network end to end: `tinykube up --network netns --nodes 3` (root) or the rootless
// network (an unprivileged user) with a proxy mode, driven as a user would — kubectl, a busybox pod
// using busybox's wget/nslookup inside its own namespace, and curl from the outside client
// namespace (`ip netns exec`, or `tinykube shell --client` rootless). One suite, run per kernel
// mode and per network.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endpointFromKubeconfig } from '../../src/client/https.js';
import type { TrafficEvent } from '../../src/cli/dashboard/wire.js';
import type { TrafficReport } from '../../src/proxy/traffic.js';
import { EXAMPLES, Tinykube, eventually, rows, sleep } from './harness.js';
import { requiresRootless, rootlessUser } from '../support/rootless.js';
import { requiresNetns } from '../support/requires.js';

export const netns = requiresNetns();

const COREDNS_USER = 'system:serviceaccount:kube-system:coredns';

/** Runs a command inside a namespace; stdout, or '' when it fails. */
export function inNs(ns: string, argv: string[], timeoutMs = 5_000): string {
  const r = spawnSync('ip', ['netns', 'exec', ns, ...argv], { encoding: 'utf8', timeout: timeoutMs });
  return r.status === 0 ? r.stdout.trim() : '';
}

export const curl = (ns: string, url: string): string => inNs(ns, ['curl', '-s', '-m', '2', url]);

/** curl from this host's own namespace (to its loopback only). */
export function hostCurl(url: string): string {
  const r = spawnSync('curl', ['-s', '-m', '3', url], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
}

/** The live page stream's first `traffic` event (GET /ui/api/stream, as the page reads it). */
export function firstTrafficEvent(kubeconfig: string): Promise<TrafficEvent> {
  const { server, token } = endpointFromKubeconfig(kubeconfig);
  return new Promise((resolve, reject) => {
    const req = https.get(`${server}/ui/api/stream?namespace=default`, { headers: { Authorization: `Bearer ${token}` }, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
        const m = /event: traffic\ndata: (.*)\n\n/.exec(body);
        if (!m) return;
        req.destroy();
        resolve(JSON.parse(m[1]!) as TrafficEvent);
      });
    });
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error('no traffic event in 15 s')));
  });
}

/** Namespaces, /etc/netns entries and processes a cluster of this prefix would leave. */
export function leftovers(prefix: string, dataDir: string): string[] {
  const netns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').map((l) => l.split(' ')[0]!);
  const etc = existsSync('/etc/netns') ? readdirSync('/etc/netns') : [];
  const procs = readdirSync('/proc').filter((p) => /^\d+$/.test(p) && readCmdline(p).includes(dataDir));
  // Agents mount in namespaces of their own: nothing of theirs may show in the host's.
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(dataDir));
  return [...netns.filter((n) => n.startsWith(`${prefix}-`)), ...etc.filter((n) => n.startsWith(`${prefix}-`)), ...procs.map((p) => `pid ${p}`), ...mounts.map((m) => `mount ${m}`)];
}

function readCmdline(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/** Registers hooks that start `tinykube up --network netns` (or rootless, as the test user) with
 *  these flags before the suite's tests, and stop it after them, checking nothing of it is left.
 *  Returns the running cluster. */
function netnsCluster(prefix: string, flags: string[], rootless = false): () => Tinykube {
  let t: Tinykube | undefined;
  before(async () => {
    const network = ['--network', rootless ? 'rootless' : 'netns', '--netns-prefix', prefix];
    t = await Tinykube.start([...network, ...flags], undefined, rootless ? { user: rootlessUser } : {});
  });
  after(async () => {
    const dataDir = t?.dataDir;
    await t?.destroy();
    if (dataDir) assert.deepEqual(leftovers(prefix, dataDir), [], 'nothing left behind after stop');
  });
  return () => t!;
}

const APPS = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo, labels: {app: echo}}
spec:
  # Fewer than the nodes: at least one node has no local endpoint for the Local checks.
  replicas: 2
  selector: {matchLabels: {app: echo}}
  template:
    metadata: {labels: {app: echo}}
    spec:
      containers:
      - name: netexec
        image: registry.k8s.io/e2e-test-images/agnhost:2.53
        args: [netexec, --http-port=8080, --udp-port=8081]
        ports: [{containerPort: 8080}, {containerPort: 8081, protocol: UDP}]
---
apiVersion: v1
kind: Service
metadata: {name: echo-local}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  selector: {app: echo}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: webapp-headless}
spec:
  clusterIP: None
  selector: {app: webapp}
  ports: [{port: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: webapp-lb}
spec:
  type: LoadBalancer
  selector: {app: webapp}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: webapp-lb8080}
spec:
  type: LoadBalancer
  selector: {app: webapp}
  ports: [{port: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: udp, labels: {app: udp}}
spec:
  replicas: 1
  selector: {matchLabels: {app: udp}}
  template:
    metadata: {labels: {app: udp}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: netexec
        image: registry.k8s.io/e2e-test-images/agnhost:2.53
        args: [netexec, --http-port=8080, --udp-port=8081]
        ports: [{containerPort: 8081, protocol: UDP}]
---
apiVersion: v1
kind: Service
metadata: {name: udp}
spec:
  selector: {app: udp}
  ports: [{port: 53, targetPort: 8081, protocol: UDP}]
---
apiVersion: v1
kind: Service
metadata: {name: nobody}
spec:
  selector: {app: nobody}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{port: 8080}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
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
  hostAliases: [{ip: 10.1.2.3, hostnames: [foo.local, bar.local]}]
  containers:
  - {name: client, image: busybox, command: [sleep, '3600']}
`;

/** One UDP question from a fixed source port: a flow conntrack remembers between asks. */
const UDP_ASK = (vip: string): string =>
  `const s=require('dgram').createSocket('udp4');s.bind(40000,()=>s.send('hostname',53,'${vip}'));` +
  `s.on('message',(m)=>{console.log(String(m));process.exit(0)});setTimeout(()=>process.exit(1),700)`;

export function netnsSuite(mode: 'nftables' | 'iptables', rootless = false): void {
  const name = `netns network${rootless ? ' (rootless)' : ''}, 3 nodes, --proxy-mode ${mode}`;
  const needs = rootless ? requiresRootless() : netns;
  describe(name, { skip: needs.skip }, () => {
    before(needs.check);
    const prefix = `tk${rootless ? 'r' : 'e'}${mode.slice(0, 2)}${process.pid % 10000}`;
    let t: Tinykube;
    let client: string;
    const podsOf = (app: string): string[][] => rows(t.k(`get pods -l app=${app} -o wide`));
    /** A command in a node's (or the client's) namespace: `ip netns exec`, or rootless `tinykube shell`. */
    const on = (ns: string, argv: string[]): string => (rootless ? t.shell(ns === client ? 'client' : ns, argv) : inNs(ns, argv));
    const curlOn = (ns: string, url: string): string => on(ns, ['curl', '-s', '-m', '2', url]);

    // An audit log of the CoreDNS pods' requests only: who they authenticate as. Open to the
    // rootless user, who runs the server.
    const auditDir = join(tmpdir(), `${prefix}-audit`);
    const auditLog = join(auditDir, 'audit.log');
    before(() => {
      mkdirSync(auditDir, { recursive: true });
      chmodSync(auditDir, 0o777);
      writeFileSync(join(auditDir, 'policy.yaml'), `apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n  - level: Metadata\n    users: ["${COREDNS_USER}"]\n  - level: None\n`);
    });
    after(() => rmSync(auditDir, { recursive: true, force: true }));
    const audit = ['--audit-policy-file', join(auditDir, 'policy.yaml'), '--audit-log-path', auditLog];
    const cluster = netnsCluster(prefix, ['--nodes', '3', '--proxy-mode', mode, '--node-monitor-grace-period', '15s', ...audit], rootless);
    before(async () => {
      t = cluster();
      client = `${prefix}-client`;
      // Applied right after `up`, as a user does: up is ready when its nodes are, and the
      // scheduler spreads the replicas over them.
      assert.equal(rows(t.k('get nodes')).filter((r) => r[1] === 'Ready').length, 3, 'three Ready nodes once up is ready');
      t.k(['apply', '-f', join(EXAMPLES, 'webapp.yaml')]);
      t.k(['apply', '-f', t.manifest('apps.yaml', APPS)]);
      await eventually(() => t.kubectl('wait --for=condition=Ready pod --all --all-namespaces --timeout=2s').code === 0, 90_000, 'every pod Ready');
    });

    it('spreads the tutorial Deployment over the nodes; a pod reaches it by VIP and by every DNS name, landing on every node', async () => {
      // Each replica on a node of its own: webapp's 3 on all 3, echo's 2 on 2.
      for (const [app, replicas] of [['webapp', 3], ['echo', 2]] as const) {
        const nodes = new Set(podsOf(app).map((r) => r[6]));
        assert.equal(nodes.size, replicas, `${app} pods on ${[...nodes].join(', ')}`);
      }
      const vip = t.k('get svc webapp -o jsonpath={.spec.clusterIP}');
      const names = new Set(podsOf('webapp').map((r) => r[0]));
      for (const host of [vip, 'webapp', 'webapp.default', 'webapp.default.svc.cluster.local']) {
        const seen = new Set<string>();
        await eventually(() => {
          const r = t.kubectl(['exec', 'client', '--', 'wget', '-qO-', '-T', '2', `http://${host}:8080/hostname.html`]);
          if (r.code === 0) seen.add(r.stdout.trim());
          return [...names].every((n) => seen.has(n));
        }, 30_000, `every webapp pod through ${host} (seen ${[...seen].join(', ')})`);
      }
    });

    it('port-forwards from the host to a pod on each node, dialled inside its network namespace, over WebSocket and SPDY', async () => {
      for (const [i, [pod, , , , , , node]] of podsOf('webapp').entries()) {
        const spdy = i % 2 ? { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' } : {};
        const f = await t.portForward(`pod/${pod}`, ['0:8080'], spdy);
        assert.equal(await fetch(`http://127.0.0.1:${f.local(8080)}/hostname.html`).then((r) => r.text()), `${pod}\n`, `${pod} on ${node}`);
        f.proc.kill();
      }
    });

    it('kubectl top measures every node and the pods on each (metrics.k8s.io)', async () => {
      // The API server scrapes every 10 s: figures exist once two scrapes have seen the pods.
      const top = await eventually(() => {
        const r = t.kubectl('top pods -l app=webapp');
        return r.code === 0 && rows(r.stdout).length === 3 ? r.stdout : undefined;
      }, 30_000, 'metrics of the three webapp pods', 1000);
      for (const [, cpu, memory] of rows(top)) assert.match(`${cpu} ${memory}`, /^\d+m [1-9]\d*Mi$/, top);
      assert.equal(rows(t.k('top nodes')).length, 3);
    });

    it("reaches every node's kubelet port inside its namespace: nodes/NODE/proxy healthz, metrics and stats/summary", () => {
      let measured = 0;
      for (const node of t.k('get nodes -o jsonpath={.items[*].metadata.name}').split(' ')) {
        assert.equal(t.k(`get --raw /api/v1/nodes/${node}/proxy/healthz`), 'ok');
        assert.match(t.k(`get --raw /api/v1/nodes/${node}/proxy/metrics`), new RegExp(`^kubelet_node_name\\{node="${node}"\\} 1$`, 'm'));
        const summary = JSON.parse(t.k(`get --raw /api/v1/nodes/${node}/proxy/stats/summary`));
        assert.equal(summary.node.nodeName, node);
        // A pod's network figures are its own namespace's eth0.
        const webapp = summary.pods.find((p: { podRef: { name: string } }) => p.podRef.name.startsWith('webapp-'));
        if (!webapp) continue;
        assert.equal(webapp.network.name, 'eth0', JSON.stringify(webapp.network));
        assert.ok(webapp.network.rxBytes > 0, JSON.stringify(webapp.network));
        measured++;
      }
      assert.ok(measured >= 2, `webapp pods measured on ${measured} nodes`);
    });

    it("gives pods the kubelet's /etc/hosts, with their hostAliases", () => {
      const ip = t.k('get pod client -o jsonpath={.status.podIP}');
      const hosts = t.k(['exec', 'client', '--', 'cat', '/etc/hosts']);
      assert.match(hosts, new RegExp(`^${ip.replace(/\./g, '\\.')}\tclient$`, 'm'));
      assert.match(hosts, /# Entries added by HostAliases\.\n10\.1\.2\.3\tfoo\.local\tbar\.local\n/);
      assert.match(t.k(['exec', 'client', '--', 'getent', 'hosts', 'bar.local']), /^10\.1\.2\.3\s+foo\.local\s+bar\.local/);
    });

    it('resolves a headless name to every pod IP', () => {
      const ips = podsOf('webapp').map((r) => r[5]).sort();
      // busybox's nslookup exits 1 when a search-domain or AAAA query finds nothing, as in a real pod.
      const out = t.kubectl(['exec', 'client', '--', 'nslookup', 'webapp-headless']).stdout;
      const answered = [...out.matchAll(/Address: (10\.244\.\d+\.\d+)/g)].map((m) => m[1]).sort();
      assert.deepEqual(answered, ips);
    });

    it('resolves a StatefulSet pod by its stable name through the headless Service, from another pod', async () => {
      for (const pod of ['db-0', 'db-1']) {
        const ip = t.k(`get pod ${pod} -o jsonpath={.status.podIP}`);
        const out = await eventually(() => {
          const r = t.kubectl(['exec', 'client', '--', 'nslookup', `${pod}.db.default.svc.cluster.local`]);
          return /Address: 10\.244/.test(r.stdout) ? r.stdout : undefined;
        }, 20_000, `an answer for ${pod}`);
        assert.deepEqual([...out!.matchAll(/Address: (10\.244\.\d+\.\d+)/g)].map((m) => m[1]), [ip]);
        assert.equal(t.k(['exec', 'client', '--', 'wget', '-qO-', '-T', '2', `http://${pod}.db:8080/hostname`]).trim(), pod);
      }
    });

    it('answers on the NodePort of every node and on the LoadBalancer address, from outside', async () => {
      const port = t.k('get svc webapp-lb -o jsonpath={.spec.ports[0].nodePort}');
      for (const ip of ['172.20.0.11', '172.20.0.12', '172.20.0.13']) {
        assert.match(await eventually(() => curlOn(client, `http://${ip}:${port}/hostname.html`), 10_000, `NodePort on ${ip}`), /^webapp-/);
      }
      if (rootless) return;
      const lb = await eventually(() => t.k('get svc webapp-lb -o jsonpath={.status.loadBalancer.ingress[0].ip}'), 10_000, 'an LB address');
      assert.match(await eventually(() => curlOn(client, `http://${lb}/hostname.html`), 10_000, 'the LB address'), /^webapp-/);
    });

    it("counts a NodePort's connections and bytes in the kernel rules of the node addressed, read by the live page from every node", async () => {
      const port = t.k('get svc webapp-lb -o jsonpath={.spec.ports[0].nodePort}');
      const nodes = rows(t.k('get nodes -o wide')).map((r) => ({ name: r[0]!, ip: r[5]! }));
      const endpoints = (node: string) => (JSON.parse(t.k(`get --raw /api/v1/nodes/${node}/proxy/traffic`)) as TrafficReport).endpoints.filter((e) => e.name === 'webapp-lb');
      const counted = (node: string): number[] => endpoints(node).reduce(([c, b], e) => [c + e.connections, b + (e.bytes ?? 0)], [0, 0]);
      const before = nodes.map((n) => counted(n.name));
      let answers = 0;
      for (let i = 0; i < 4; i++) answers += curlOn(client, `http://${nodes[0]!.ip}:${port}/hostname.html`).length;
      assert.ok(answers > 4 * 'webapp-'.length, 'four answers');
      const moved = nodes.map((n, i) => counted(n.name).map((x, k) => x - before[i]![k]!));
      assert.deepEqual(moved.map(([c]) => c), [4, 0, 0], 'connections counted, by node');
      // Bytes both ways, IP packets: at least the answers' bodies and each connection's ~10 packets' headers.
      assert.ok(moved[0]![1]! >= answers + 4 * 10 * 40, `bytes counted on the node addressed: ${moved[0]![1]}`);
      assert.deepEqual(moved.slice(1).map(([, b]) => b), [0, 0], 'no bytes counted elsewhere');
      const event = await firstTrafficEvent(t.kubeconfig);
      assert.deepEqual(event.nodes.map((n) => [n.node, n.mode ?? n.error]).sort(), nodes.map((n) => [n.name, mode]).sort());
      assert.ok(event.endpoints.some((e) => e.node === nodes[0]!.name && e.name === 'webapp-lb' && e.connections > 0 && e.bytesPerSecond !== undefined), JSON.stringify(event.endpoints));
    });

    if (rootless) it('publishes LoadBalancer addresses and NodePorts on this host, and says when a port cannot be', async () => {
      const lb = await eventually(() => t.k('get svc webapp-lb8080 -o jsonpath={.status.loadBalancer.ingress[0].ip}'), 10_000, 'an LB address');
      assert.match(lb, /^127\.240\./, 'an address of this host');
      assert.equal(t.k('get svc webapp-lb8080 -o jsonpath={.status.loadBalancer.ingress[0].ipMode}'), 'Proxy');
      assert.match(await eventually(() => hostCurl(`http://${lb}:8080/hostname.html`), 10_000, 'the LB address from this host'), /^webapp-/);
      const port = t.k('get svc webapp-lb -o jsonpath={.spec.ports[0].nodePort}');
      assert.match(await eventually(() => hostCurl(`http://127.0.0.1:${port}/hostname.html`), 10_000, 'the NodePort from this host'), /^webapp-/);
      // Port 80 needs privilege on the host: an Event says so, and the rest is published.
      const events = await eventually(() => t.k('get events --field-selector reason=FailedToPublish,involvedObject.name=webapp-lb -o jsonpath={.items[*].message}'), 10_000, 'a FailedToPublish Event');
      assert.match(events, /Failed to publish 127\.240\.0\.\d+:80\/TCP on this host: permission denied: ports below 1024 need root, or: sudo sysctl -w net\.ipv4\.ip_unprivileged_port_start=80/);
    });

    it('keeps the client address with externalTrafficPolicy Local', async () => {
      const port = t.k('get svc echo-local -o jsonpath={.spec.ports[0].nodePort}');
      if (rootless) {
        // Published on the host, connections enter from the outside client, and only to nodes
        // with a local endpoint (each try would otherwise be dropped).
        await eventually(() => hostCurl(`http://127.0.0.1:${port}/clientip`), 15_000, 'an answer through the published Local NodePort');
        for (let i = 0; i < 6; i++) {
          const started = Date.now();
          assert.match(hostCurl(`http://127.0.0.1:${port}/clientip`), /^172\.20\.0\.2:\d+$/);
          assert.ok(Date.now() - started < 1_500, 'answered at once: no try went to a node that drops it');
        }
      } else {
        const lb = await eventually(() => t.k('get svc echo-local -o jsonpath={.status.loadBalancer.ingress[0].ip}'), 10_000, 'an LB address');
        const seen = await eventually(() => curlOn(client, `http://${lb}/clientip`), 15_000, 'an answer through the Local LB');
        assert.match(seen, /^172\.20\.0\.2:\d+$/);
      }
      // A node without a local endpoint drops NodePort traffic under Local.
      const withPods = new Set(podsOf('echo').map((r) => r[6]));
      assert.ok(withPods.size < 3, 'a node without an echo pod');
      for (const i of [1, 2, 3]) {
        const answer = curlOn(client, `http://172.20.0.${10 + i}:${port}/clientip`);
        if (withPods.has(`${prefix}-node-${i}`)) assert.match(answer, /^172\.20\.0\.2:\d+$/);
        else assert.equal(answer, '');
      }
    });

    it("serves kube-proxy's ports on every node: proxyMode, healthz and a Local Service's healthCheckNodePort", async () => {
      for (const i of [1, 2, 3]) {
        assert.equal(curlOn(client, `http://172.20.0.1${i}:10249/proxyMode`), mode);
        assert.match(on(client, ['curl', '-s', '-m', '2', '-w', '\n%{http_code}', `http://172.20.0.1${i}:10256/healthz`]), /"nodeEligible": true\}\n200$/);
      }
      t.k(['apply', '-f', t.manifest('udp-local.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: udp-local}\nspec:\n  type: LoadBalancer\n  externalTrafficPolicy: Local\n  selector: {app: udp}\n  ports: [{port: 80, targetPort: 8080}]\n')]);
      try {
        const port = t.k('get svc udp-local -o jsonpath={.spec.healthCheckNodePort}');
        // One udp pod: its node answers 200 with one local endpoint, the others 503 with none.
        await eventually(() => {
          const at = podsOf('udp')[0]![6];
          return [1, 2, 3].every((i) => {
            const r = on(client, ['curl', '-s', '-m', '2', '-w', '\n%{http_code}', `http://172.20.0.1${i}:${port}/`]);
            return at === `${prefix}-node-${i}` ? /"localEndpoints": 1,[\s\S]*\n200$/.test(r) : /"localEndpoints": 0,[\s\S]*\n503$/.test(r);
          });
        }, 15_000, 'the health check port on every node');
      } finally {
        t.k('delete svc udp-local');
      }
    });

    it("lists kube-system as kubeadm's: a Ready kube-proxy pod on every node whose logs are that node's proxy, and CoreDNS", () => {
      assert.deepEqual(rows(t.k('get ds kube-proxy -n kube-system'))[0].slice(0, 6), ['kube-proxy', '3', '3', '3', '3', '3']);
      const listed = rows(t.k('get pods -n kube-system -o wide'));
      const proxies = listed.filter((r) => /^kube-proxy-[a-z0-9]{5}$/.test(r[0]));
      // [node, IP]: one on each node, on the node's own address (hostNetwork).
      assert.deepEqual(proxies.map((r) => [r[6], r[5]]).sort(), [1, 2, 3].map((i) => [`${prefix}-node-${i}`, `172.20.0.1${i}`]));
      assert.ok(proxies.every((r) => r[1] === '1/1' && r[2] === 'Running'), `kube-proxy pods: ${JSON.stringify(proxies)}`);
      assert.equal(listed.filter((r) => r[0].startsWith('coredns-') && r[1] === '1/1' && r[2] === 'Running').length, 2);
      for (const [pod] of proxies) assert.match(t.k(['logs', '-n', 'kube-system', pod]), new RegExp(`proxy\\] "proxy serving" mode="${mode}"`));
    });

    it("runs CoreDNS as kubeadm's: the coredns ServiceAccount, bound to system:coredns only, is who its pods read the API as", () => {
      const pods = JSON.parse(t.k('get pods -n kube-system -l k8s-app=kube-dns -o json')).items as { metadata: { name: string }; spec: { serviceAccountName: string } }[];
      assert.deepEqual(pods.map((p) => p.spec.serviceAccountName), ['coredns', 'coredns']);
      const can = (args: string): string => t.kubectl(`auth can-i --as=${COREDNS_USER} ${args}`).stdout.trim();
      assert.equal(can('list endpointslices.discovery.k8s.io -A'), 'yes');
      assert.equal(can('watch services -A'), 'yes');
      assert.equal(can('get secrets -A'), 'no');
      assert.equal(can('create pods -n kube-system'), 'no');
      // Every request the DNS pods made: by their own bound tokens, which name the pod.
      const events = readFileSync(auditLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { verb: string; user: { username: string; extra?: Record<string, string[]> }; objectRef?: { resource?: string } });
      const reads = new Set(events.filter((e) => e.user.username === COREDNS_USER).map((e) => `${e.verb} ${e.objectRef?.resource}`));
      for (const want of ['list endpointslices', 'watch endpointslices', 'list services', 'watch services']) assert.ok(reads.has(want), `${want} in ${[...reads].join(', ')}`);
      const byPod = new Set(events.flatMap((e) => e.user.extra?.['authentication.kubernetes.io/pod-name'] ?? []));
      for (const p of pods) assert.ok(byPod.has(p.metadata.name), `${p.metadata.name} in ${[...byPod].join(', ')}`);
    });

    it('refuses at once a connection to a Service without endpoints (REJECT)', () => {
      const started = Date.now();
      const r = t.kubectl(['exec', 'client', '--', 'wget', '--tries=1', '-nv', '-O-', '-T', '5', 'http://nobody/']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /refused/i);
      assert.ok(Date.now() - started < 4_000, 'refused, not timed out');
    });

    it('lets a pod reach itself through its own Service (hairpin)', async () => {
      const [self] = podsOf('webapp')[0]!;
      await eventually(() => {
        const r = t.kubectl(['exec', self!, '--', 'wget', '-qO-', '-T', '2', 'http://webapp:8080/hostname.html']);
        return r.stdout.trim() === self;
      }, 30_000, `${self} answering itself through the ClusterIP`);
    });

    it('moves a UDP flow to the new endpoint when its pod is replaced (conntrack cleanup)', async () => {
      const vip = t.k('get svc udp -o jsonpath={.spec.clusterIP}');
      const ask = (): string => t.kubectl(['exec', 'client', '--', process.execPath, '-e', UDP_ASK(vip)]).stdout.trim();
      const [old] = podsOf('udp')[0]!;
      assert.equal(await eventually(ask, 15_000, 'a UDP answer'), old);
      t.k(['delete', 'pod', old!, '--wait=false']);
      // The same flow (same source port), asked again and again: a stale entry toward the old
      // pod would keep it there until conntrack's timeout.
      const now = await eventually(() => {
        const a = ask();
        return a && a !== old ? a : '';
      }, 20_000, 'the UDP flow on the new pod');
      assert.match(now, /^udp-/);
    });

    if (rootless) it('keeps a published NodePort answering after a node agent stops', async () => {
      const port = t.k('get svc webapp-lb -o jsonpath={.spec.ports[0].nodePort}');
      const node = `${prefix}-node-1`;
      // The agent's PID in the cluster's PID namespace, where tinykube shell runs.
      const pid = readFileSync(join(t.dataDir, 'nodes', node, 'agent.pid'), 'utf8').trim();
      t.shell(node, ['kill', pid]);
      await eventually(() => rows(t.k('get nodes')).some((r) => r[0] === node && r[1] !== 'Ready'), 60_000, `${node} NotReady`);
      const live = new Set(podsOf('webapp').filter((r) => r[6] !== node).map((r) => r[0]));
      await eventually(() => live.has(hostCurl(`http://127.0.0.1:${port}/hostname.html`)), 30_000, 'an answer from a live node');
      for (let i = 0; i < 6; i++) {
        const a = hostCurl(`http://127.0.0.1:${port}/hostname.html`);
        assert.ok(live.has(a), `${a || 'no answer'} from a pod on a live node`);
      }
    });

    if (!rootless) it('keeps the LoadBalancer address answering after its announcing node stops', async () => {
      const lb = t.k('get svc webapp-lb -o jsonpath={.status.loadBalancer.ingress[0].ip}');
      const holder = [1, 2, 3].map((i) => `${prefix}-node-${i}`).find((ns) => on(ns, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']).includes(` ${lb}/32 `));
      assert.ok(holder, `a node holds ${lb}`);
      const pid = Number(readFileSync(join(t.dataDir, 'nodes', holder!, 'agent.pid'), 'utf8'));
      process.kill(pid, 'SIGTERM');
      await eventually(() => !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '), 30_000, 'the agent to stop');
      const started = Date.now();
      const other = await eventually(
        () => [1, 2, 3].map((i) => `${prefix}-node-${i}`).find((ns) => ns !== holder && on(ns, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']).includes(` ${lb}/32 `)),
        60_000,
        'another node announcing the address',
      );
      assert.notEqual(other, holder);
      assert.match(await eventually(() => curlOn(client, `http://${lb}/hostname.html`), 30_000, 'the LB address after failover'), /^webapp-/);
      // Once the stopped node's pods have left the Service's endpoints, every answer comes from
      // a pod on a live node: none is lost.
      let live = new Set<string>();
      await eventually(() => {
        const pods = podsOf('webapp').filter((r) => r[6] !== holder);
        live = new Set(pods.map((r) => r[0]));
        const liveIPs = new Set(pods.map((r) => r[5]));
        const ready = t.k(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=webapp-lb', '-o', 'jsonpath={.items[*].endpoints[?(@.conditions.ready==true)].addresses[0]}']).split(' ').filter(Boolean);
        return ready.length > 0 && ready.every((ip) => liveIPs.has(ip));
      }, 60_000, 'the ready endpoints of webapp-lb to be on live nodes only');
      for (let i = 0; i < 6; i++) {
        const a = curlOn(client, `http://${lb}/hostname.html`);
        assert.ok(live.has(a), `answer ${JSON.stringify(a)} from a pod on a live node (${[...live].join(', ')})`);
        await sleep(100);
      }
      process.stdout.write(`# ${mode}: LoadBalancer address moved ${holder} → ${other} in ${Date.now() - started} ms after the agent stopped\n`);
    });
  });
}

/** `--proxy-mode ipvs` on a kernel without IP_VS: the proxy says why and runs nftables. */
export function ipvsFallbackSuite(): void {
  describe('netns network, --proxy-mode ipvs without IP_VS', { skip: netns.skip }, () => {
    before(netns.check);
    const prefix = `tkeipvs${process.pid % 10000}`;
    let t: Tinykube;
    const cluster = netnsCluster(prefix, ['--nodes', '1', '--proxy-mode', 'ipvs', '--disable', 'dns']);
    before(() => {
      t = cluster();
    });

    it('falls back to nftables with a clear Event, and the datapath is nftables', { skip: existsSync('/proc/net/ip_vs') && 'this kernel has IPVS' }, async () => {
      const node = `${prefix}-node-1`;
      const events = await eventually(() => {
        const out = t.k(['get', 'events', '-A', '--field-selector', 'reason=ProxyModeFallback']);
        return out.includes('IPVS') ? out : '';
      }, 30_000, 'a ProxyModeFallback Event');
      assert.match(events, /IPVS proxier will not be used because the following required kernel modules are not loaded/);
      assert.match(events, /falling back to the nftables proxier/);
      await eventually(() => inNs(node, ['nft', 'list', 'table', 'ip', 'tinykube']).includes('chain services'), 10_000, 'the nftables table on the node');
    });
  });
}

/** A crashed `up` leaves its agents and pods running; the next `up` on the data dir clears them
 *  and brings the pods back with their addresses. */
export function crashRecoverySuite(): void {
  describe('netns network after a crash (kill -9 of up)', { skip: netns.skip }, () => {
    before(netns.check);
    const prefix = `tkecr${process.pid % 10000}`;
    let t: Tinykube;
    const cluster = netnsCluster(prefix, ['--nodes', '1', '--disable', 'dns']);
    before(() => {
      t = cluster();
    });

    it('reconciles what the crashed run left and keeps the pod and its address', async () => {
      t.k(['run', 'web', '--image=nginx', '--port=80']);
      const ip = await eventually(() => {
        const r = t.kubectl(['get', 'pod', 'web', '-o', 'jsonpath={.status.podIP}{" "}{.status.phase}']);
        return r.stdout.endsWith(' Running') ? r.stdout.split(' ')[0] : '';
      }, 30_000, 'web Running');
      const agentFile = join(t.dataDir, 'nodes', `${prefix}-node-1`, 'agent.pid');
      const oldAgent = Number(readFileSync(agentFile, 'utf8'));
      // Its secret and projected volumes: a tmpfs in the agent's mount namespace, not the host's.
      const memory = join(t.dataDir, 'nodes', `${prefix}-node-1`, 'memory');
      assert.match(readFileSync(`/proc/${oldAgent}/mountinfo`, 'utf8'), new RegExp(` ${memory} .* - tmpfs tinykube-volumes `));
      await t.down('SIGKILL');
      assert.ok(existsSync(`/proc/${oldAgent}`), 'the agent outlives a crashed up');
      await t.up();
      await eventually(() => rows(t.k('get nodes')).some((r) => r[1] === 'Ready') && Number(readFileSync(agentFile, 'utf8')) !== oldAgent, 30_000, 'the new agent');
      await eventually(() => !existsSync(`/proc/${oldAgent}`), 10_000, 'the old agent gone');
      assert.deepEqual(leftovers(prefix, t.dataDir).filter((l) => l.startsWith('mount ')), [], 'no mount left by the killed agent');
      const again = await eventually(() => {
        const r = t.kubectl(['get', 'pod', 'web', '-o', 'jsonpath={.status.podIP}{" "}{.status.containerStatuses[0].ready}']);
        return r.stdout.endsWith(' true') ? r.stdout.split(' ')[0] : '';
      }, 30_000, 'web ready again');
      assert.equal(again, ip);
      assert.match(t.k(['exec', 'web', '--', 'cat', '/var/run/secrets/kubernetes.io/serviceaccount/namespace']), /^default$/, "the new agent's volumes");
      // Ready is the container started; its server may still be binding.
      assert.match(await eventually(() => curl(`${prefix}-node-1`, `http://${ip}/`), 10_000, 'web answering'), /nginx/i);
    });
  });
}

/** The userspace proxy stays selectable on the netns network: it binds Service addresses as
 *  AnyIP inside each node, and DNS queries to kube-dns go through it too. */
export function userspaceSuite(): void {
  describe('netns network, --proxy-mode userspace', { skip: netns.skip }, () => {
    before(netns.check);
    const prefix = `tkeus${process.pid % 10000}`;
    let t: Tinykube;
    const cluster = netnsCluster(prefix, ['--nodes', '1', '--proxy-mode', 'userspace']);
    before(() => {
      t = cluster();
    });

    it('serves a Service by name to a pod and on its NodePort to the outside client', async () => {
      t.k(['apply', '-f', join(EXAMPLES, 'webapp.yaml')]);
      t.k(['expose', 'deployment', 'webapp', '--name', 'webapp-np', '--type', 'NodePort', '--port', '80', '--target-port', '8080']);
      t.k(['run', 'client', '--image=busybox', '--restart=Never', '--', 'sleep', '3600']);
      await eventually(() => t.kubectl('wait --for=condition=Ready pod --all --all-namespaces --timeout=2s').code === 0, 60_000, 'every pod Ready');
      const answer = await eventually(() => t.kubectl(['exec', 'client', '--', 'wget', '-qO-', '-T', '2', 'http://webapp:8080/hostname.html']).stdout.trim(), 30_000, 'webapp by name');
      assert.match(answer, /^webapp-/);
      const port = t.k('get svc webapp-np -o jsonpath={.spec.ports[0].nodePort}');
      assert.match(await eventually(() => curl(`${prefix}-client`, `http://172.20.0.11:${port}/hostname.html`), 10_000, 'the NodePort'), /^webapp-/);
    });
  });
}
