// Two API servers on one etcd (real processes): how long they take to converge after one is
// restarted, and how long the controllers take to move when the leader dies.
//
// A restart (SIGKILL, then `tinykube server` again on the same data dir and port) is timed from
// the new process's spawn to: its API answering (kubeconfig written), its watches serving (a
// Service created through the other server reaches a watch opened on it), and the kubernetes
// endpoints, read through the other server, listing both again. A clean restart (SIGTERM) is
// timed the same way. Leader failover: the leader is killed for good; timed until the other
// server holds kube-system/kube-controller-manager (about a lease duration, by design).
//
//   npx tsx bench/cluster.ts [--runs 5] [--lease-duration 15s] [--renew-deadline 10s] [--retry-period 2s]

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HttpsClient, endpointFromKubeconfig } from '../src/client/https.js';
import { R } from '../src/client/client.js';
import type { KubeObject } from '../src/apis/types.js';
import { startEtcd } from '../test/store/etcd-process.js';
import { kill, startServer, type Server } from '../test/support/processes.js';
import { eventually } from '../test/support/eventually.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    'lease-duration': { type: 'string', default: '15s' },
    'renew-deadline': { type: 'string', default: '10s' },
    'retry-period': { type: 'string', default: '2s' },
  },
});
const RUNS = Number(values.runs);
const TIMING = [
  '--leader-elect-lease-duration', values['lease-duration']!,
  '--leader-elect-renew-deadline', values['renew-deadline']!,
  '--leader-elect-retry-period', values['retry-period']!,
];

const client = (s: Server): HttpsClient => new HttpsClient(endpointFromKubeconfig(s.kubeconfig), 'bench');

async function endpointPorts(c: HttpsClient): Promise<string> {
  const ep = await c.get<KubeObject>(R.endpoints, 'default', 'kubernetes');
  return ((ep.subsets ?? []) as { ports: { port: number }[] }[]).map((s) => s.ports[0].port).sort().join();
}

/** Restarts `s` with `signal`; the times (ms from spawn) to API, watch and endpoints. */
async function restart(s: Server, other: Server, args: string[], signal: NodeJS.Signals, run: number): Promise<{ server: Server; api: number; watch: number; endpoints: number }> {
  await kill(s.proc, signal);
  const t0 = performance.now();
  const server = await startServer(s.dir, args, s.port);
  const api = performance.now() - t0;
  const via = client(server);
  const viaOther = client(other);
  try {
    let seen = 0;
    const name = `bench-${signal.toLowerCase()}-${run}`;
    const { resourceVersion } = await via.list(R.services, 'default');
    const watch = await via.watch(R.services, 'default', { resourceVersion }, {
      event: (_t, o) => {
        if (o.metadata.name === name) seen = performance.now() - t0;
      },
      end: () => undefined,
    });
    await viaOther.create(R.services, 'default', { metadata: { name }, spec: { ports: [{ port: 80 }] } });
    await eventually(() => seen > 0, 20_000, 'the watch event', 5);
    watch.cancel();
    const both = [server.port, other.port].sort().join();
    await eventually(async () => (await endpointPorts(viaOther)) === both, 60_000, 'both servers in the endpoints', 5);
    const endpoints = performance.now() - t0;
    return { server, api, watch: seen, endpoints };
  } finally {
    via.close();
    viaOther.close();
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const row = (label: string, xs: number[]): string => `${label.padEnd(34)} median ${median(xs).toFixed(0).padStart(6)} ms   min ${Math.min(...xs).toFixed(0).padStart(6)}   max ${Math.max(...xs).toFixed(0).padStart(6)}`;

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'tinykube-bench-cluster-'));
  const etcd = await startEtcd();
  const args = ['--datastore-endpoint', etcd.endpoints[0], ...TIMING];
  let servers: Server[] = [];
  try {
    servers = [await startServer(join(root, 's1'), args), await startServer(join(root, 's2'), args)];
    const c2 = client(servers[1]);
    await eventually(async () => (await endpointPorts(c2)) === servers.map((s) => s.port).sort().join(), 60_000, 'both servers', 10);
    c2.close();
    console.log(`two servers on one etcd; leader election ${values['lease-duration']}/${values['renew-deadline']}/${values['retry-period']}; ${RUNS} runs each`);
    for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
      const figures = { api: [] as number[], watch: [] as number[], endpoints: [] as number[] };
      for (let i = 0; i < RUNS; i++) {
        const r = await restart(servers[0], servers[1], args, signal, i);
        servers[0] = r.server;
        figures.api.push(r.api);
        figures.watch.push(r.watch);
        figures.endpoints.push(r.endpoints);
      }
      console.log(`restart after ${signal}:`);
      console.log(row('  API answers (kubeconfig written)', figures.api));
      console.log(row('  its watch sees the other\'s write', figures.watch));
      console.log(row('  kubernetes endpoints list both', figures.endpoints));
    }

    // Leader failover: kill whichever server leads.
    const c = client(servers[1]);
    const holder = async (): Promise<string> => ((await c.get<KubeObject>(R.leases, 'kube-system', 'kube-controller-manager')).spec?.holderIdentity as string) ?? '';
    const id = (s: Server): string => readFileSync(join(s.dir, 'server-id'), 'utf8').trim();
    const lead = await holder();
    const leaderIndex = servers.findIndex((s) => id(s) === lead);
    const survivor = servers[1 - leaderIndex];
    const cs = client(survivor);
    const t0 = performance.now();
    await kill(servers[leaderIndex].proc);
    await eventually(async () => ((await cs.get<KubeObject>(R.leases, 'kube-system', 'kube-controller-manager')).spec?.holderIdentity as string) === id(survivor), 120_000, 'a new leader', 10);
    const takeover = performance.now() - t0;
    await eventually(async () => (await endpointPorts(cs)) === String(survivor.port), 120_000, 'the dead server out of the endpoints', 10);
    const dropped = performance.now() - t0;
    console.log(`leader killed (SIGKILL): the other server leads after ${takeover.toFixed(0)} ms; the dead one is out of the kubernetes endpoints after ${dropped.toFixed(0)} ms`);
    cs.close();
    c.close();
  } finally {
    for (const s of servers) await kill(s.proc);
    await etcd.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
