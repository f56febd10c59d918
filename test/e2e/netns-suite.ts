// The netns network end to end (root): `tinykube up --network netns --nodes 3` with a proxy mode,
// driven as a user would — kubectl, a busybox pod using the host's wget/nslookup inside its own
// namespace, and curl from the outside client namespace. One suite, run per kernel mode.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLES, Tinykube, eventually, rows, sleep } from './harness.js';

export const canRunNetns = process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list']).status === 0;

/** Runs a command inside a namespace; stdout, or '' when it fails. */
export function inNs(ns: string, argv: string[], timeoutMs = 5_000): string {
  const r = spawnSync('ip', ['netns', 'exec', ns, ...argv], { encoding: 'utf8', timeout: timeoutMs });
  return r.status === 0 ? r.stdout.trim() : '';
}

export const curl = (ns: string, url: string): string => inNs(ns, ['curl', '-s', '-m', '2', url]);

/** Namespaces, /etc/netns entries and processes a cluster of this prefix would leave. */
export function leftovers(prefix: string, dataDir: string): string[] {
  const netns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').map((l) => l.split(' ')[0]!);
  const etc = existsSync('/etc/netns') ? readdirSync('/etc/netns') : [];
  const procs = readdirSync('/proc').filter((p) => /^\d+$/.test(p) && readCmdline(p).includes(dataDir));
  return [...netns.filter((n) => n.startsWith(`${prefix}-`)), ...etc.filter((n) => n.startsWith(`${prefix}-`)), ...procs.map((p) => `pid ${p}`)];
}

function readCmdline(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/** Registers hooks that start `tinykube up --network netns` with these flags before the suite's
 *  tests, and stop it after them, checking nothing of it is left. Returns the running cluster. */
function netnsCluster(prefix: string, flags: string[]): () => Tinykube {
  let t: Tinykube | undefined;
  before(async () => {
    t = await Tinykube.start(['--network', 'netns', '--netns-prefix', prefix, ...flags]);
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
  replicas: 3
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

export function netnsSuite(mode: 'nftables' | 'iptables'): void {
  describe(`netns network, 3 nodes, --proxy-mode ${mode}`, { skip: !canRunNetns && 'needs root and iproute2' }, () => {
    const prefix = `tke${mode.slice(0, 2)}${process.pid % 10000}`;
    let t: Tinykube;
    let client: string;
    const podsOf = (app: string): string[][] => rows(t.k(`get pods -l app=${app} -o wide`));

    const cluster = netnsCluster(prefix, ['--nodes', '3', '--proxy-mode', mode, '--node-monitor-grace-period', '15s']);
    before(async () => {
      t = cluster();
      client = `${prefix}-client`;
      await eventually(() => rows(t.k('get nodes')).filter((r) => r[1] === 'Ready').length === 3, 60_000, 'three Ready nodes');
      t.k(['apply', '-f', join(EXAMPLES, 'webapp.yaml')]);
      t.k(['apply', '-f', t.manifest('apps.yaml', APPS)]);
      await eventually(() => t.kubectl('wait --for=condition=Ready pod --all --all-namespaces --timeout=2s').code === 0, 90_000, 'every pod Ready');
    });

    it('spreads the tutorial Deployment over the nodes; a pod reaches it by VIP and by every DNS name, landing on every node', async () => {
      const nodes = new Set(podsOf('webapp').map((r) => r[6]));
      assert.equal(nodes.size, 3, `webapp pods on ${[...nodes].join(', ')}`);
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

    it("gives pods the kubelet's /etc/hosts, with their hostAliases", () => {
      const ip = t.k('get pod client -o jsonpath={.status.podIP}');
      const hosts = t.k(['exec', 'client', '--', 'cat', '/etc/hosts']);
      assert.match(hosts, new RegExp(`^${ip.replace(/\./g, '\\.')}\tclient$`, 'm'));
      assert.match(hosts, /# Entries added by HostAliases\.\n10\.1\.2\.3\tfoo\.local\tbar\.local\n/);
      assert.match(t.k(['exec', 'client', '--', 'getent', 'hosts', 'bar.local']), /^10\.1\.2\.3\s+foo\.local\s+bar\.local/);
    });

    it('resolves a headless name to every pod IP', () => {
      const ips = podsOf('webapp').map((r) => r[5]).sort();
      const out = t.k(['exec', 'client', '--', 'nslookup', 'webapp-headless']);
      const answered = [...out.matchAll(/Address: (10\.244\.\d+\.\d+)/g)].map((m) => m[1]).sort();
      assert.deepEqual(answered, ips);
    });

    it('resolves a StatefulSet pod by its stable name through the headless Service, from another pod', async () => {
      for (const pod of ['db-0', 'db-1']) {
        const ip = t.k(`get pod ${pod} -o jsonpath={.status.podIP}`);
        const out = await eventually(() => {
          const r = t.kubectl(['exec', 'client', '--', 'nslookup', `${pod}.db.default.svc.cluster.local`]);
          return r.code === 0 && /Address: 10\.244/.test(r.stdout) ? r.stdout : undefined;
        }, 20_000, `an answer for ${pod}`);
        assert.deepEqual([...out!.matchAll(/Address: (10\.244\.\d+\.\d+)/g)].map((m) => m[1]), [ip]);
        assert.equal(t.k(['exec', 'client', '--', 'wget', '-qO-', '-T', '2', `http://${pod}.db:8080/hostname`]).trim(), pod);
      }
    });

    it('answers on the NodePort of every node and on the LoadBalancer address, from outside', async () => {
      const port = t.k('get svc webapp-lb -o jsonpath={.spec.ports[0].nodePort}');
      for (const ip of ['172.20.0.11', '172.20.0.12', '172.20.0.13']) {
        assert.match(await eventually(() => curl(client, `http://${ip}:${port}/hostname.html`), 10_000, `NodePort on ${ip}`), /^webapp-/);
      }
      const lb = await eventually(() => t.k('get svc webapp-lb -o jsonpath={.status.loadBalancer.ingress[0].ip}'), 10_000, 'an LB address');
      assert.match(await eventually(() => curl(client, `http://${lb}/hostname.html`), 10_000, 'the LB address'), /^webapp-/);
    });

    it('keeps the client address with externalTrafficPolicy Local', async () => {
      const lb = await eventually(() => t.k('get svc echo-local -o jsonpath={.status.loadBalancer.ingress[0].ip}'), 10_000, 'an LB address');
      const seen = await eventually(() => curl(client, `http://${lb}/clientip`), 15_000, 'an answer through the Local LB');
      assert.match(seen, /^172\.20\.0\.2:\d+$/);
      // A node without a local endpoint drops NodePort traffic under Local.
      const port = t.k('get svc echo-local -o jsonpath={.spec.ports[0].nodePort}');
      const withPods = new Set(podsOf('echo').map((r) => r[6]));
      for (const i of [1, 2, 3]) {
        const answer = curl(client, `http://172.20.0.${10 + i}:${port}/clientip`);
        if (withPods.has(`${prefix}-node-${i}`)) assert.match(answer, /^172\.20\.0\.2:\d+$/);
        else assert.equal(answer, '');
      }
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

    it('keeps the LoadBalancer address answering after its announcing node stops', async () => {
      const lb = t.k('get svc webapp-lb -o jsonpath={.status.loadBalancer.ingress[0].ip}');
      const holder = [1, 2, 3].map((i) => `${prefix}-node-${i}`).find((ns) => inNs(ns, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']).includes(` ${lb}/32 `));
      assert.ok(holder, `a node holds ${lb}`);
      const pid = Number(readFileSync(join(t.dataDir, 'nodes', holder!, 'agent.pid'), 'utf8'));
      process.kill(pid, 'SIGTERM');
      await eventually(() => !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '), 30_000, 'the agent to stop');
      const started = Date.now();
      const other = await eventually(
        () => [1, 2, 3].map((i) => `${prefix}-node-${i}`).find((ns) => ns !== holder && inNs(ns, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']).includes(` ${lb}/32 `)),
        60_000,
        'another node announcing the address',
      );
      assert.notEqual(other, holder);
      assert.match(await eventually(() => curl(client, `http://${lb}/hostname.html`), 30_000, 'the LB address after failover'), /^webapp-/);
      // Every answer now comes from a pod on a live node.
      const live = new Set(podsOf('webapp').filter((r) => r[6] !== holder).map((r) => r[0]));
      for (let i = 0; i < 6; i++) {
        const a = curl(client, `http://${lb}/hostname.html`);
        if (a) assert.ok(live.has(a), `${a} is on a live node`);
        await sleep(100);
      }
      process.stdout.write(`# ${mode}: LoadBalancer address moved ${holder} → ${other} in ${Date.now() - started} ms after the agent stopped\n`);
    });
  });
}

/** `--proxy-mode ipvs` on a kernel without IP_VS: the proxy says why and runs nftables. */
export function ipvsFallbackSuite(): void {
  describe('netns network, --proxy-mode ipvs without IP_VS', { skip: !canRunNetns && 'needs root and iproute2' }, () => {
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
  describe('netns network after a crash (kill -9 of up)', { skip: !canRunNetns && 'needs root and iproute2' }, () => {
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
      await t.down('SIGKILL');
      assert.ok(existsSync(`/proc/${oldAgent}`), 'the agent outlives a crashed up');
      await t.up();
      await eventually(() => rows(t.k('get nodes')).some((r) => r[1] === 'Ready') && Number(readFileSync(agentFile, 'utf8')) !== oldAgent, 30_000, 'the new agent');
      await eventually(() => !existsSync(`/proc/${oldAgent}`), 10_000, 'the old agent gone');
      const again = await eventually(() => {
        const r = t.kubectl(['get', 'pod', 'web', '-o', 'jsonpath={.status.podIP}{" "}{.status.containerStatuses[0].ready}']);
        return r.stdout.endsWith(' true') ? r.stdout.split(' ')[0] : '';
      }, 30_000, 'web ready again');
      assert.equal(again, ip);
      // Ready is the container started; its server may still be binding.
      assert.match(await eventually(() => curl(`${prefix}-node-1`, `http://${ip}/`), 10_000, 'web answering'), /nginx/i);
    });
  });
}

/** The userspace proxy stays selectable on the netns network: it binds Service addresses as
 *  AnyIP inside each node, and DNS queries to kube-dns go through it too. */
export function userspaceSuite(): void {
  describe('netns network, --proxy-mode userspace', { skip: !canRunNetns && 'needs root and iproute2' }, () => {
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
