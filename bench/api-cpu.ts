// The API server's CPU per write and per watch event: `tinykube server` (API and controllers,
// no node) driven over HTTPS the way five kubelets drive it while 1,000 pods start — each pod
// created, its status written three times (Pending, Running, Ready) and three Events about it,
// while five kubelets watch their node's pods (fieldSelector spec.nodeName) and one client
// watches them all. The server's CPU seconds come from /proc; the store is in /dev/shm.
//
//   npx tsx bench/api-cpu.ts [--pods 1000] [--rounds 4] [--peer /path/to/another/build]
//
// With --peer, the other tree's build (dist/, e.g. the main branch in a worktree) runs the same
// load in the same sitting, alternating with this one: the ratio of the two is the figure.
// TK_NODE_FLAGS="--cpu-prof --cpu-prof-dir=DIR" profiles the servers.

import { spawn, type ChildProcess } from 'node:child_process';
import https from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';

const { values } = parseArgs({
  options: { pods: { type: 'string', default: '1000' }, rounds: { type: 'string', default: '4' }, peer: { type: 'string' }, concurrency: { type: 'string', default: '32' } },
});
const PODS = Number(values.pods);
const NODES = 5;
const CONCURRENCY = Number(values.concurrency);

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Server {
  proc: ChildProcess;
  kubeconfig: string;
  dir: string;
}

async function startServer(tree: string): Promise<Server> {
  const dir = mkdtempSync(join('/dev/shm', 'tinykube-api-cpu-'));
  const flags = process.env.TK_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const proc = spawn(process.execPath, [...flags, join(tree, 'bin/tinykube.js'), 'server', '--data-dir', dir, '--api-port', '0', '--bind-address', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const m = /export KUBECONFIG=(\S+)/.exec(out);
    if (m) return { proc, kubeconfig: m[1]!, dir };
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`tinykube server did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stopServer(s: Server): Promise<void> {
  const exited = new Promise((r) => s.proc.once('exit', r));
  s.proc.kill('SIGTERM');
  const timer = setTimeout(() => s.proc.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
  rmSync(s.dir, { recursive: true, force: true });
}

type Request = (method: string, path: string, body?: unknown) => Promise<unknown>;

async function client(kubeconfig: string): Promise<{ request: Request; watch: (path: string, onLine: () => void) => () => void }> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const base = new URL(kc.getCurrentCluster()!.server);
  const opts: https.RequestOptions = { hostname: base.hostname, port: base.port };
  await kc.applyToHTTPSOptions(opts);
  // Connections kept, as a kubelet keeps its own (set after the kubeconfig, which sets an agent).
  opts.agent = new https.Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca: opts.ca, cert: opts.cert, key: opts.key });
  const request: Request = (method, path, body) =>
    new Promise((resolve, reject) => {
      const req = https.request({ ...opts, method, path, headers: { ...opts.headers, 'content-type': 'application/json', 'user-agent': 'kubelet/v1.32.0' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => ((res.statusCode ?? 500) < 300 ? resolve(JSON.parse(text)) : reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`))));
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  const watch = (path: string, onLine: () => void): (() => void) => {
    const req = https.get({ ...opts, agent: false, path }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        for (const c of d) if (c === '\n') onLine();
      });
    });
    req.on('error', () => {});
    return () => req.destroy();
  };
  return { request, watch };
}

/** Runs fn over 0..n-1 with `CONCURRENCY` in flight. */
async function pool(n: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < n) await fn(next++);
  }));
}

const status = (phase: string, ready: boolean, i: number) => ({
  phase,
  conditions: [
    { type: 'Initialized', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' },
    { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: '2026-01-01T00:00:01Z' },
    { type: 'ContainersReady', status: ready ? 'True' : 'False', lastTransitionTime: '2026-01-01T00:00:01Z' },
    { type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' },
  ],
  hostIP: `10.0.0.${(i % NODES) + 1}`,
  ...(phase === 'Pending' ? {} : { podIP: `10.244.${i % NODES}.${(i % 250) + 2}`, podIPs: [{ ip: `10.244.${i % NODES}.${(i % 250) + 2}` }] }),
  startTime: '2026-01-01T00:00:00Z',
  containerStatuses: [
    {
      name: 'app',
      image: 'ikubernetes/myapp:v1',
      imageID: '',
      ready,
      restartCount: 0,
      started: phase !== 'Pending',
      state: phase === 'Pending' ? { waiting: { reason: 'ContainerCreating' } } : { running: { startedAt: '2026-01-01T00:00:01Z' } },
    },
  ],
});

/** One round on one build: the server's CPU seconds and the wall time of the load. */
async function round(tree: string): Promise<{ cpu: number; wall: number; events: number; writes: number }> {
  const server = await startServer(tree);
  try {
    const { request, watch } = await client(server.kubeconfig);
    for (let n = 0; n < NODES; n++) await request('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: `n${n}` } });
    let events = 0;
    const stops = [
      ...Array.from({ length: NODES }, (_, n) => watch(`/api/v1/pods?watch=true&fieldSelector=spec.nodeName%3Dn${n}`, () => events++)),
      watch('/api/v1/namespaces/default/pods?watch=true&labelSelector=app%3Dbench', () => events++),
    ];
    await new Promise((r) => setTimeout(r, 500));
    const pid = server.proc.pid!;
    // The store's revision counts every write, the controllers' own too (the node lifecycle
    // controller marks pods on silent nodes, more of them the longer a round takes).
    const revision = async (): Promise<number> => Number(((await request('GET', '/api/v1/namespaces/default/pods?limit=1')) as { metadata: { resourceVersion: string } }).metadata.resourceVersion);
    const rev0 = await revision();
    const cpu0 = cpuSeconds(pid);
    const t0 = performance.now();
    const ns = '/api/v1/namespaces/default';
    await pool(PODS, async (i) => {
      const name = `bench-${i}`;
      let pod = (await request('POST', `${ns}/pods`, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, labels: { app: 'bench' } },
        spec: { nodeName: `n${i % NODES}`, containers: [{ name: 'app', image: 'ikubernetes/myapp:v1', ports: [{ containerPort: 80 }] }] },
      })) as { metadata: { uid: string; resourceVersion: string } };
      for (const [phase, ready, reason] of [['Pending', false, 'Pulled'], ['Running', false, 'Created'], ['Running', true, 'Started']] as const) {
        pod = (await request('PUT', `${ns}/pods/${name}/status`, { apiVersion: 'v1', kind: 'Pod', metadata: { name, uid: pod.metadata.uid, resourceVersion: pod.metadata.resourceVersion }, status: status(phase, ready, i) })) as typeof pod;
        await request('POST', `${ns}/events`, {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name: `${name}.${reason.toLowerCase()}` },
          involvedObject: { kind: 'Pod', namespace: 'default', name, uid: pod.metadata.uid, apiVersion: 'v1', fieldPath: 'spec.containers{app}' },
          reason,
          message: `${reason} container app`,
          source: { component: 'kubelet', host: `n${i % NODES}` },
          firstTimestamp: '2026-01-01T00:00:00Z',
          lastTimestamp: '2026-01-01T00:00:00Z',
          count: 1,
          type: 'Normal',
          reportingComponent: 'kubelet',
          reportingInstance: `n${i % NODES}`,
        });
      }
    });
    // Every watcher has its events: each pod reaches its kubelet and the app=bench watcher 4 times.
    const want = PODS * 4 * 2;
    const deadline = Date.now() + 30_000;
    while (events < want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const wall = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(pid) - cpu0;
    const writes = (await revision()) - rev0;
    stops.forEach((s) => s());
    return { cpu, wall, events, writes };
  } finally {
    await stopServer(server);
  }
}

const trees = [{ name: 'this build', dir: resolve('.') }, ...(values.peer ? [{ name: 'peer', dir: resolve(values.peer) }] : [])];
console.log(`api-cpu: ${PODS} pods on ${NODES} nodes, each created, 3 status writes, 3 Events (${PODS * 7} writes); 6 watchers (5 by spec.nodeName, 1 by label); ${CONCURRENCY} requests in flight`);
/** Server CPU per store write, in µs, by build. */
const results = new Map<string, number[]>();
for (let r = 0; r < Number(values.rounds); r++) {
  for (const tree of r % 2 ? [...trees].reverse() : trees) {
    const { cpu, wall, events, writes } = await round(tree.dir);
    const perWrite = (cpu * 1e6) / writes;
    results.set(tree.name, [...(results.get(tree.name) ?? []), perWrite]);
    console.log(`  ${tree.name.padEnd(10)} round ${r + 1}: server CPU ${cpu.toFixed(2)} s for ${writes} writes: ${perWrite.toFixed(0)} µs per write, its watch events included; wall ${wall.toFixed(1)} s, ${events} watch events, load ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`);
  }
}
if (values.peer) {
  const [mine, peer] = [results.get('this build')!, results.get('peer')!];
  const ratios = mine.map((c, i) => c / peer[i]!);
  // The least of several rounds is the figure least moved by other work on a shared machine.
  const least = (xs: number[]): number => Math.min(...xs);
  console.log(`  server CPU per write, this build / peer, round by round: ${ratios.map((x) => x.toFixed(2)).join(', ')}; least of each: ${least(mine).toFixed(0)} / ${least(peer).toFixed(0)} µs = ${(least(mine) / least(peer)).toFixed(2)}`);
}
