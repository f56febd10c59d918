// Datapath benchmark on the netns network (root): requests/s and p99 from client pods on node 1
// to an nginx pod on node 2, to the pod's IP directly and through its ClusterIP, for each proxy
// mode, with wrk run inside the client pods' namespaces; keep-alive and a new connection per
// request. Both paths cross the same nodes and underlay; the ClusterIP adds the datapath (DNAT
// and conntrack in the kernel modes, a TypeScript relay on node 1 in userspace).
//
// Each target has its own client pod (both on node 1): from one pod, direct and ClusterIP
// connections reach nginx from the same address with different TCP timestamp offsets (Linux
// derives them from the destination the client dialled), so with Connection: close nginx's
// TIME_WAIT sockets from one target reject the other's reused ports (PAWS, TcpExtPAWSTimewait)
// and SYNs wait for retransmission: whichever target ran second lost up to 90% of its rate.
// Anchor: kube-proxy's iptables mode reached 96% of direct throughput.
//
//   npx tsx bench/netns.ts [--modes nftables,iptables,userspace] [--duration 5] [--connections 32] [--rounds 5]
//
// Needs root, wrk and nginx (Debian: apt-get install -y wrk nginx-light). The server pod's
// container command is the host's /usr/sbin/nginx: an absolute-path command runs as the pod's
// process inside its namespace. Each round runs direct, then ClusterIP; the median is printed.

import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { destroyClusterNetwork } from '../src/network/netns/cluster.js';
import { podNs } from '../src/network/netns/names.js';
import { Tinykube, eventually } from '../test/e2e/harness.js';
import { canRunNetns, curl, leftovers } from '../test/e2e/netns-suite.js';
import { parseWrk, wrkArgs, wrkTrouble, type WrkResult } from './support/wrk.js';

const { values } = parseArgs({
  options: {
    modes: { type: 'string', default: 'nftables,iptables,userspace' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '5' },
  },
});
const MODES = values.modes!.split(',');
const ROUNDS = Number(values.rounds);
const PORT = 8080;
const NGINX = '/usr/sbin/nginx';
const BODY = 'hello from nginx\n';

const KINDS = [['keep-alive', false], ['new conn/request', true]] as const;
const TARGETS = ['direct', 'clusterIP'] as const;
type Target = (typeof TARGETS)[number];
const clientPod = (target: Target): string => `client-${target.toLowerCase()}`;

const nginxConf = (dir: string): string => `
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
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
  mode: string;
  kind: string;
  direct: WrkResult;
  clusterIP: WrkResult;
  /** ClusterIP/direct requests/s of each round (the pair ran back to back). */
  ratios: number[];
}

function wrk(ns: string, url: string, newConnEach: boolean): WrkResult {
  const seconds = Number(values.duration);
  const args = wrkArgs(url, { threads: 1, connections: Number(values.connections), seconds, newConnEach });
  const r = spawnSync('ip', ['netns', 'exec', ns, 'wrk', ...args], { encoding: 'utf8', timeout: (seconds + 30) * 1000 });
  if (r.status !== 0) throw new Error(`wrk ${args.join(' ')} in ${ns} failed: ${r.stderr}${r.error ?? ''}`);
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

async function benchMode(mode: string): Promise<Row[]> {
  const prefix = `tkb${process.pid % 10000}${mode.slice(0, 2)}`;
  const started = Date.now();
  const t = await Tinykube.start(['--network', 'netns', '--nodes', '2', '--netns-prefix', prefix, '--proxy-mode', mode, '--disable', 'dns']);
  current = { t, prefix };
  const conf = t.manifest('nginx.conf', nginxConf(t.dataDir));
  t.k(['apply', '-f', t.manifest('bench.yaml', manifest(prefix, conf))]);
  await eventually(() => t.kubectl('wait --for=condition=Ready pod --all --timeout=2s').code === 0, 90_000, 'the server and client pods Ready');
  const clients = Object.fromEntries(TARGETS.map((target) => [target, podNs(prefix, t.k(`get pod ${clientPod(target)} -o jsonpath={.metadata.uid}`))])) as Record<Target, string>;
  const urls: Record<Target, string> = {
    direct: `http://${t.k('get pod server -o jsonpath={.status.podIP}')}:${PORT}/`,
    clusterIP: `http://${t.k('get svc server -o jsonpath={.spec.clusterIP}')}:${PORT}/`,
  };
  for (const target of TARGETS) await eventually(() => curl(clients[target], urls[target]) === BODY.trim(), 30_000, `nginx answering ${urls[target]} from ${clientPod(target)}`);
  console.log(`${mode}: cluster ready in ${((Date.now() - started) / 1000).toFixed(0)} s (with any wait for another cluster on this machine); load average ${load()}`);

  const rows: Row[] = [];
  for (const [kind, newConn] of KINDS) {
    const runs: Record<Target, WrkResult[]> = { direct: [], clusterIP: [] };
    for (let i = 0; i < ROUNDS; i++) {
      for (const target of TARGETS) runs[target].push(wrk(clients[target], urls[target], newConn));
    }
    const mid = (rs: WrkResult[]): WrkResult => ({ rps: median(rs.map((r) => r.rps)), p99ms: median(rs.map((r) => r.p99ms)) });
    rows.push({ mode, kind, direct: mid(runs.direct), clusterIP: mid(runs.clusterIP), ratios: runs.clusterIP.map((r, i) => r.rps / runs.direct[i]!.rps) });
  }
  await stop();
  return rows;
}

function print(rows: Row[]): void {
  const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;
  console.log(`\n${'mode'.padEnd(10)} ${'connections'.padEnd(17)} ${'direct req/s'.padStart(12)} ${'p99'.padStart(9)} ${'ClusterIP req/s'.padStart(15)} ${'p99'.padStart(9)} ${'req/s vs direct'.padStart(15)} ${'p99 vs direct'.padStart(13)}  per round`);
  for (const r of rows) {
    console.log(
      `${r.mode.padEnd(10)} ${r.kind.padEnd(17)} ${r.direct.rps.toFixed(0).padStart(12)} ${`${r.direct.p99ms.toFixed(2)} ms`.padStart(9)} ${r.clusterIP.rps.toFixed(0).padStart(15)} ${`${r.clusterIP.p99ms.toFixed(2)} ms`.padStart(9)} ${pct(r.clusterIP.rps / r.direct.rps).padStart(15)} ${`×${(r.clusterIP.p99ms / r.direct.p99ms).toFixed(2)}`.padStart(13)}  ${pct(Math.min(...r.ratios))}–${pct(Math.max(...r.ratios))}`,
    );
  }
  console.log(`\nanchor: kube-proxy's iptables mode reached 96% of direct throughput.`);
}

async function main(): Promise<void> {
  if (!canRunNetns) throw new Error('bench/netns.ts needs root and iproute2: it builds network namespaces');
  for (const tool of ['wrk', NGINX]) {
    if (spawnSync(tool, ['-v']).error) throw new Error(`${tool} not found (Debian: apt-get install -y wrk nginx-light)`);
  }
  console.log(
    `netns datapath benchmark: 2 nodes, a client pod per target on node 1, nginx (1 worker) on node 2; wrk -t1 -c${values.connections} -d${values.duration}s in the client pods, median of ${ROUNDS} rounds; load average ${load()} on this machine`,
  );
  // Interrupted: the cluster goes with us.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void stop().finally(() => process.exit(130)));
  const rows: Row[] = [];
  try {
    for (const mode of MODES) rows.push(...(await benchMode(mode)));
  } finally {
    await stop();
  }
  print(rows);
}

await main();
