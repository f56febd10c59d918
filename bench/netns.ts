// Datapath benchmark on the netns networks: requests/s and p99 from client pods on node 1 to an
// nginx pod on node 2, to the pod's IP directly and through its ClusterIP, for each proxy mode and
// network (root's netns and the rootless one, run by an unprivileged user), with wrk run inside
// the client pods' namespaces; keep-alive and a new connection per request. Both paths cross the
// same nodes and underlay; the ClusterIP adds the datapath (DNAT and conntrack in the kernel
// modes, a TypeScript relay on node 1 in userspace).
//
// Rootless, it also measures the way in from the host: wrk on this host to the LoadBalancer
// address published here (a TypeScript relay into the outside client's namespace, then the
// NodePort), beside wrk in the outside client to the same NodePort directly, and through HAProxy
// running there (a C relay, the same hop). externalTrafficPolicy Local keeps all three on the
// server's node.
//
// Each target has its own client pod (both on node 1): from one pod, direct and ClusterIP
// connections reach nginx from the same address with different TCP timestamp offsets (Linux
// derives them from the destination the client dialled), so with Connection: close nginx's
// TIME_WAIT sockets from one target reject the other's reused ports (PAWS, TcpExtPAWSTimewait)
// and SYNs wait for retransmission: whichever target ran second lost up to 90% of its rate.
// Anchor: kube-proxy's iptables mode reached 96% of direct throughput.
//
//   npx tsx bench/netns.ts [--networks netns,rootless] [--modes nftables,iptables,userspace]
//                          [--duration 5] [--connections 32] [--rounds 5]
//
// Needs root (the rootless runs are an unprivileged user's: TINYKUBE_TEST_USER or nobody), wrk,
// nginx and haproxy (Debian: apt-get install -y wrk nginx-light haproxy). The server pod's
// container command is the host's /usr/sbin/nginx: an absolute-path command runs as the pod's
// process inside its namespace. Each round runs direct, then ClusterIP; the median is printed.

import { spawn, spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { destroyClusterNetwork } from '../src/network/netns/cluster.js';
import { podNs } from '../src/network/netns/names.js';
import { enterCluster } from '../src/cli/shell-command.js';
import { Tinykube, eventually } from '../test/e2e/harness.js';
import { leftovers, netns } from '../test/e2e/netns-suite.js';
import { asUser, rootlessBlocker, rootlessUser } from '../test/support/rootless.js';
import { parseWrk, wrkArgs, wrkTrouble, type WrkResult } from './support/wrk.js';

const { values } = parseArgs({
  options: {
    networks: { type: 'string', default: 'netns,rootless' },
    modes: { type: 'string', default: 'nftables,iptables,userspace' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '5' },
  },
});
const MODES = values.modes!.split(',');
const NETWORKS = values.networks!.split(',') as ('netns' | 'rootless')[];
const ROUNDS = Number(values.rounds);
const PORT = 8080;
const NGINX = '/usr/sbin/nginx';
const BODY = 'hello from nginx\n';

const KINDS = [['keep-alive', false], ['new conn/request', true]] as const;
const TARGETS = ['direct', 'clusterIP'] as const;
type Target = (typeof TARGETS)[number];
const clientPod = (target: Target): string => `client-${target.toLowerCase()}`;

const nginxConf = (dir: string): string => `
# One process that switches to no user and owns its temporary files in the data dir as root
# (rootless, the namespace's root may not switch: the host's groups and users are not mapped).
master_process off;
user root;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${dir}/${t};`).join('\n  ')}
  keepalive_requests 1000000;
  server {
    listen ${PORT} backlog=4096;
    location / { default_type text/plain; return 200 "${BODY.trim()}\\n"; }
  }
}
`;

const manifest = (prefix: string, conf: string): string => `
apiVersion: v1
kind: Pod
metadata: {name: server, labels: {app: server}}
spec:
  nodeName: ${prefix}-node-2
  containers:
  - name: nginx
    image: bench/nginx-host
    command: [${NGINX}, -c, ${conf}, -g, 'daemon off;']
    ports: [{containerPort: ${PORT}}]
---
apiVersion: v1
kind: Service
metadata: {name: server}
spec:
  selector: {app: server}
  ports: [{port: ${PORT}}]
---
apiVersion: v1
kind: Service
metadata: {name: server-lb}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  selector: {app: server}
  ports: [{port: ${PORT}}]
${TARGETS.map((target) => `---
apiVersion: v1
kind: Pod
metadata: {name: ${clientPod(target)}}
spec:
  nodeName: ${prefix}-node-1
  containers:
  - {name: client, image: busybox, command: [sleep, '3600']}
`).join('')}`;

interface Row {
  network: string;
  mode: string;
  kind: string;
  direct: WrkResult;
  clusterIP: WrkResult;
  /** ClusterIP/direct requests/s of each round (the pair ran back to back). */
  ratios: number[];
}

/** `argv` inside namespace `ns` of the cluster (as its user, rootless); on this host without one. */
function inCluster(t: Tinykube, ns: string | undefined, argv: string[]): string[] {
  if (!ns) return argv;
  const full = [...enterCluster(t.dataDir), 'ip', 'netns', 'exec', ns, ...argv];
  return t.user ? asUser(t.user, full) : full;
}

function curlIn(t: Tinykube, ns: string, url: string): string {
  const [cmd, ...args] = inCluster(t, ns, ['curl', '-s', '-m', '2', url]);
  return spawnSync(cmd!, args, { encoding: 'utf8' }).stdout?.trim() ?? '';
}

function wrk(t: Tinykube, ns: string | undefined, url: string, newConnEach: boolean): WrkResult {
  const seconds = Number(values.duration);
  const args = wrkArgs(url, { threads: 1, connections: Number(values.connections), seconds, newConnEach });
  const [cmd, ...rest] = inCluster(t, ns, ['wrk', ...args]);
  const r = spawnSync(cmd!, rest, { encoding: 'utf8', timeout: (seconds + 30) * 1000 });
  if (r.status !== 0) throw new Error(`wrk ${args.join(' ')} in ${ns ?? 'this host'} failed: ${r.stderr}${r.error ?? ''}`);
  const res = parseWrk(r.stdout);
  const trouble = wrkTrouble(res);
  if (trouble) console.log(`    (${url}${newConnEach ? ', new connection each' : ''}: ${trouble})`);
  return res;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');

let current: { t: Tinykube; prefix: string } | undefined;

/** Stops the cluster (SIGTERM to `up`, waited for) and checks that nothing of it is left. */
async function stop(): Promise<void> {
  if (!current) return;
  const { t, prefix } = current;
  current = undefined;
  const dataDir = t.dataDir;
  await t.destroy();
  const left = leftovers(prefix, dataDir);
  if (left.length) {
    // The harness falls back to SIGKILL after 10 s; the network is still ours to remove.
    await destroyClusterNetwork(prefix);
    throw new Error(`left behind after stopping ${prefix}: ${left.join(', ')}`);
  }
}

interface InRow {
  kind: string;
  direct: WrkResult;
  haproxy: WrkResult;
  published: WrkResult;
}

async function benchMode(network: 'netns' | 'rootless', mode: string): Promise<{ rows: Row[]; ways: InRow[] }> {
  const prefix = `tkb${process.pid % 10000}${network.slice(0, 1)}${mode.slice(0, 2)}`;
  const started = Date.now();
  const rootless = network === 'rootless';
  const flags = ['--network', network, '--nodes', '2', '--netns-prefix', prefix, '--proxy-mode', mode, '--disable', 'dns'];
  const t = await Tinykube.start(flags, undefined, rootless ? { user: rootlessUser } : {});
  current = { t, prefix };
  const conf = t.manifest('nginx.conf', nginxConf(t.dataDir));
  t.k(['apply', '-f', t.manifest('bench.yaml', manifest(prefix, conf))]);
  await eventually(() => t.kubectl('wait --for=condition=Ready pod --all --timeout=2s').code === 0, 90_000, 'the server and client pods Ready');
  const clients = Object.fromEntries(TARGETS.map((target) => [target, podNs(prefix, t.k(`get pod ${clientPod(target)} -o jsonpath={.metadata.uid}`))])) as Record<Target, string>;
  const urls: Record<Target, string> = {
    direct: `http://${t.k('get pod server -o jsonpath={.status.podIP}')}:${PORT}/`,
    clusterIP: `http://${t.k('get svc server -o jsonpath={.spec.clusterIP}')}:${PORT}/`,
  };
  for (const target of TARGETS) await eventually(() => curlIn(t, clients[target], urls[target]) === BODY.trim(), 30_000, `nginx answering ${urls[target]} from ${clientPod(target)}`);
  console.log(`${network} ${mode}: cluster ready in ${((Date.now() - started) / 1000).toFixed(0)} s (with any wait for another cluster on this machine); load average ${load()}`);

  const rows: Row[] = [];
  for (const [kind, newConn] of KINDS) {
    const runs: Record<Target, WrkResult[]> = { direct: [], clusterIP: [] };
    for (let i = 0; i < ROUNDS; i++) {
      for (const target of TARGETS) runs[target].push(wrk(t, clients[target], urls[target], newConn));
    }
    rows.push({ network, mode, kind, direct: mid(runs.direct), clusterIP: mid(runs.clusterIP), ratios: runs.clusterIP.map((r, i) => r.rps / runs.direct[i]!.rps) });
  }
  const ways = rootless && mode === MODES[0] ? await benchWaysIn(t, prefix) : [];
  await stop();
  return { rows, ways };
}

const mid = (rs: WrkResult[]): WrkResult => ({ rps: median(rs.map((r) => r.rps)), p99ms: median(rs.map((r) => r.p99ms)) });

/** The host's way in (rootless): the published LoadBalancer, against the outside client going to
 *  the server's node directly and through HAProxy there. */
async function benchWaysIn(t: Tinykube, prefix: string): Promise<InRow[]> {
  const client = `${prefix}-client`;
  const nodePort = t.k('get svc server-lb -o jsonpath={.spec.ports[0].nodePort}');
  const lb = await eventually(() => t.k('get svc server-lb -o jsonpath={.status.loadBalancer.ingress[0].ip}'), 10_000, 'the LB address');
  const node2 = `172.20.0.12:${nodePort}`;
  const cfg = t.manifest('haproxy.cfg', `global\n  maxconn 8192\ndefaults\n  mode tcp\n  timeout connect 5s\n  timeout client 60s\n  timeout server 60s\nlisten server\n  bind 127.0.0.1:${PORT}\n  server n2 ${node2}\n`);
  const [cmd, ...args] = inCluster(t, client, ['haproxy', '-f', cfg]);
  const haproxy = spawn(cmd!, args, { stdio: 'ignore' });
  try {
    const urls = { direct: [client, `http://${node2}/`], haproxy: [client, `http://127.0.0.1:${PORT}/`], published: [undefined, `http://${lb}:${PORT}/`] } as const;
    for (const [ns, url] of Object.values(urls)) {
      await eventually(() => (ns ? curlIn(t, ns, url) : spawnSync('curl', ['-s', '-m', '2', url], { encoding: 'utf8' }).stdout.trim()) === BODY.trim(), 30_000, `nginx answering ${url}`);
    }
    const ways: InRow[] = [];
    for (const [kind, newConn] of KINDS) {
      const runs = { direct: [] as WrkResult[], haproxy: [] as WrkResult[], published: [] as WrkResult[] };
      for (let i = 0; i < ROUNDS; i++) for (const [way, [ns, url]] of Object.entries(urls)) runs[way as keyof typeof runs].push(wrk(t, ns, url, newConn));
      ways.push({ kind, direct: mid(runs.direct), haproxy: mid(runs.haproxy), published: mid(runs.published) });
    }
    return ways;
  } finally {
    haproxy.kill('SIGKILL');
  }
}

const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;

function print(rows: Row[], ways: InRow[]): void {
  console.log(`\n${'network'.padEnd(9)} ${'mode'.padEnd(10)} ${'connections'.padEnd(17)} ${'direct req/s'.padStart(12)} ${'p99'.padStart(9)} ${'ClusterIP req/s'.padStart(15)} ${'p99'.padStart(9)} ${'req/s vs direct'.padStart(15)} ${'p99 vs direct'.padStart(13)}  per round`);
  for (const r of rows) {
    console.log(
      `${r.network.padEnd(9)} ${r.mode.padEnd(10)} ${r.kind.padEnd(17)} ${r.direct.rps.toFixed(0).padStart(12)} ${`${r.direct.p99ms.toFixed(2)} ms`.padStart(9)} ${r.clusterIP.rps.toFixed(0).padStart(15)} ${`${r.clusterIP.p99ms.toFixed(2)} ms`.padStart(9)} ${pct(r.clusterIP.rps / r.direct.rps).padStart(15)} ${`×${(r.clusterIP.p99ms / r.direct.p99ms).toFixed(2)}`.padStart(13)}  ${pct(Math.min(...r.ratios))}–${pct(Math.max(...r.ratios))}`,
    );
  }
  console.log(`\nanchor: kube-proxy's iptables mode reached 96% of direct throughput.`);
  if (!ways.length) return;
  const cell = (w: WrkResult): string => `${w.rps.toFixed(0).padStart(8)} ${`${w.p99ms.toFixed(2)} ms`.padStart(9)}`;
  console.log(`\nrootless, from outside to the server's NodePort (req/s, p99): direct from the outside client, HAProxy there, tinykube's LoadBalancer published on this host`);
  console.log(`${'connections'.padEnd(17)} ${'direct'.padStart(18)} ${'HAProxy'.padStart(18)} ${'published'.padStart(18)} ${'vs direct'.padStart(9)} ${'vs HAProxy'.padStart(10)}`);
  for (const w of ways) {
    console.log(`${w.kind.padEnd(17)} ${cell(w.direct)} ${cell(w.haproxy)} ${cell(w.published)} ${pct(w.published.rps / w.direct.rps).padStart(9)} ${pct(w.published.rps / w.haproxy.rps).padStart(10)}`);
  }
}

async function main(): Promise<void> {
  netns.check(); // it builds network namespaces
  if (NETWORKS.includes('rootless') && rootlessBlocker()) throw new Error(`the rootless network cannot run here: ${rootlessBlocker()}`);
  for (const tool of ['wrk', NGINX, 'haproxy']) {
    if (spawnSync(tool, ['-v']).error) throw new Error(`${tool} not found (Debian: apt-get install -y wrk nginx-light haproxy)`);
  }
  console.log(
    `netns datapath benchmark: 2 nodes, a client pod per target on node 1, nginx (one process) on node 2; wrk -t1 -c${values.connections} -d${values.duration}s in the client pods, median of ${ROUNDS} rounds; load average ${load()} on this machine`,
  );
  // Interrupted: the cluster goes with us.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void stop().finally(() => process.exit(130)));
  const rows: Row[] = [];
  const ways: InRow[] = [];
  try {
    for (const mode of MODES) {
      for (const network of NETWORKS) {
        const r = await benchMode(network, mode);
        rows.push(...r.rows);
        ways.push(...r.ways);
      }
    }
  } finally {
    await stop();
  }
  print(rows, ways);
}

await main();
