// Workload benchmark: a thousand pods of a built-in image, and what they cost.
//
// Per network (loopback; netns as root, with enough nodes for /24 pod CIDRs):
// - the memory of `tinykube up` and every process under it (the node's image host included)
//   with 0 pods, with 100, and after a --replicas Deployment more: the marginal cost per pod;
// - that Deployment from `kubectl apply` to every pod Ready, against the floor measured in the
//   same run: the same listeners started directly in one process (serve(), no API, no
//   controllers, no probes);
// - with --services N (loopback): N Services over N two-replica Deployments (2N pods), all in
//   one process with the proxy and the DNS: the total memory.
//
//   npx tsx bench/workloads.ts [--replicas 1000] [--networks loopback,netns] [--services 1000 [--idle-seconds 30]] [--tmpfs]
//
// --tmpfs keeps the data dir (the store) in /dev/shm, where an fsync costs nothing: on a disk
// that other work shares, fsync waits are most of the noise between runs.
//
// The server's memory is split (its /metrics) into the JS heap used, heap held unused, external
// and the rest. TK_NODE_FLAGS passes flags to the server's node, e.g. to profile a run:
//   TK_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npx tsx bench/workloads.ts --networks loopback
// or to compare V8 heap policies: a --heap-growing-percent or --optimize-for-size there replaces
// the server's own (src/cli/heap-policy.ts).
//
// The machine may be shared: the figures are noisy; the ratios against the floor in the same
// run are the figures to compare.

import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Tinykube, eventually } from '../test/e2e/harness.js';
import { requiresNetns } from '../test/support/requires.js';
import { serve, type Running } from '../src/node/images/serve.js';
import { formatStage, watchPodStages } from './support/pod-stages.js';
import { serverMemory } from './support/server-memory.js';
import { requestCounts, requestsSince } from './support/request-counts.js';

const { values } = parseArgs({
  options: {
    replicas: { type: 'string', default: '1000' },
    networks: { type: 'string', default: 'loopback,netns' },
    services: { type: 'string', default: '0' },
    tmpfs: { type: 'boolean', default: false },
    'idle-seconds': { type: 'string', default: '30' },
  },
});
const REPLICAS = Number(values.replicas);
const SERVICES = Number(values.services);
const IDLE_S = Number(values['idle-seconds']);
const NETWORKS = values.networks!.split(',').filter(Boolean) as ('loopback' | 'netns')[];
const BASELINE = 100;
/** Pods per node on netns: each node's pod CIDR is a /24. */
const PODS_PER_NODE = 250;

const mib = (kib: number): string => `${(kib / 1024).toFixed(0)} MiB`;

/** VmRSS: resident now; VmHWM: the most it has been resident since it started. */
function rssKiB(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  try {
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** CPU time (user + system) the process has used, in seconds (clock ticks of 1/100 s); `system`
 *  alone if asked (kernel time: namespace and socket work, lock contention). */
function cpuSeconds(pid: number, only?: 'system'): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((only ? 0 : Number(fields[11])) + Number(fields[12])) / 100;
}

/** Proportional set size: shared pages (libc, node's binary) divided among their sharers, so a
 *  sum over processes counts each page once. */
function pssKiB(pid: number): number {
  try {
    return Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** The RSS (and PSS) of pid and every process under it (pod processes, node agents, the image
 *  host, the mount holders of pods with volumes on netns). */
function treeRssKiB(pid: number): { kib: number; pss: number; processes: number; main: number; pids: number[] } {
  const out = spawnSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' }).stdout;
  const children = new Map<number, number[]>();
  for (const line of out.trim().split('\n')) {
    const [p, pp] = line.trim().split(/\s+/).map(Number);
    children.set(pp!, [...(children.get(pp!) ?? []), p!]);
  }
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...(children.get(all[i]!) ?? []));
  return { kib: all.reduce((sum, p) => sum + rssKiB(p), 0), pss: all.reduce((sum, p) => sum + pssKiB(p), 0), processes: all.length, main: rssKiB(pid), pids: all };
}

/** CPU seconds of pid and every process under it, by role: the server (`up`), the node agents,
 *  the image hosts and the rest (helpers, pod processes). */
function treeCpu(pid: number, only?: 'system'): Record<'server' | 'agents' | 'hosts' | 'other', number> {
  const out = { server: 0, agents: 0, hosts: 0, other: 0 };
  for (const p of [pid, ...treeRssKiB(pid).pids.slice(1)]) {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      out[p === pid ? 'server' : cmd.includes('agent') ? 'agents' : cmd.some((a) => a.endsWith('image-host.js')) ? 'hosts' : 'other'] += cpuSeconds(p, only);
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/** The floor: REPLICAS listeners of the same built-in server started directly in this process,
 *  until every one listens; and the memory they added. */
async function directFloor(): Promise<{ ms: number; kib: number }> {
  const before = rssKiB(process.pid);
  const running: Running[] = [];
  const io = { log: () => {}, exit: () => {} };
  const t0 = performance.now();
  try {
    for (let i = 0; i < REPLICAS; i++) {
      const host = `127.243.${Math.floor(i / 250)}.${(i % 250) + 2}`;
      const spec = { kind: 'myapp' as const, version: 'v1', host, listeners: [{ port: 8080, proto: 'http' as const, required: true }] };
      running.push(await serve(spec, { name: `floor-${i}`, namespace: 'default', ip: host }, io));
    }
    return { ms: performance.now() - t0, kib: rssKiB(process.pid) - before };
  } finally {
    running.forEach((r) => r.abort());
  }
}

const deployment = (name: string, replicas: number, extra = ''): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers: [{name: web, image: ikubernetes/myapp:v1, ports: [{containerPort: 8080}]${extra}}]
`;

const service = (name: string): string => `apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec:
  selector: {app: ${name}}
  ports: [{port: 80, targetPort: 8080}]
`;

/** Applies manifests and waits until every pod in the namespace is Ready; the time it took
 *  (from t0: now, unless given). */
async function applyUntilReady(t: Tinykube, files: string[], pods: number, t0 = performance.now()): Promise<number> {
  for (const file of files) {
    const r = t.kubectl(['apply', '-f', file]);
    if (r.code !== 0) throw new Error(`kubectl apply -f ${file}: ${r.code} ${r.stderr}`);
  }
  // kubectl runs asynchronously: a blocked event loop would stall the stage watch.
  const args = ['--kubeconfig', t.kubeconfig, 'get', 'pods', '--no-headers', '-o', 'custom-columns=R:.status.containerStatuses[0].ready'];
  await eventually(async () => {
    const { stdout } = await promisify(execFile)('kubectl', args, { maxBuffer: 64 << 20 });
    return stdout.split('\n').filter((l) => l.trim() === 'true').length >= pods;
  }, 900_000, `${pods} pods Ready`, 500);
  return performance.now() - t0;
}

async function settledRss(t: Tinykube): Promise<{ kib: number; pss: number; processes: number; main: number }> {
  await new Promise((r) => setTimeout(r, 3000));
  return treeRssKiB(t.pid!);
}

async function run(network: 'loopback' | 'netns'): Promise<void> {
  const nodes = network === 'netns' ? Math.ceil((REPLICAS + BASELINE) / PODS_PER_NODE) : 1;
  const flags = network === 'netns' ? ['--network', 'netns', '--netns-prefix', 'tkbw', '--nodes', String(nodes)] : [];
  const floor = await directFloor();
  const t = await Tinykube.start(flags, values.tmpfs ? mkdtempSync(join('/dev/shm', 'tinykube-bench-')) : undefined);
  try {
    await eventually(() => t.kubectl(['get', 'nodes', '--no-headers']).stdout.split('\n').filter((l) => / Ready /.test(l)).length >= nodes, 120_000, 'nodes Ready');
    console.log(`\n${network} (${nodes} node${nodes > 1 ? 's' : ''}${values.tmpfs ? ', the store on tmpfs' : ''}):`);
    console.log(`  RSS of tinykube and everything under it:`);
    const idle = await settledRss(t);
    console.log(`    0 pods     ${mib(idle.kib)}, PSS ${mib(idle.pss)} (${idle.processes} processes; tinykube's own ${mib(idle.main)})`);
    await applyUntilReady(t, [t.manifest('base.yaml', deployment('base', BASELINE))], BASELINE);
    const base = await settledRss(t);
    console.log(`    ${BASELINE} pods   ${mib(base.kib)}, PSS ${mib(base.pss)} (${base.processes} processes; tinykube's own ${mib(base.main)})`);
    const stages = watchPodStages(t.kubeconfig, 'app=bench');
    const cpu0 = treeCpu(t.pid!);
    const sys0 = treeCpu(t.pid!, 'system');
    const t0 = performance.now();
    const wallT0 = Date.now();
    const requests0 = requestCounts(t);
    const ms = await applyUntilReady(t, [t.manifest('bench.yaml', deployment('bench', REPLICAS))], BASELINE + REPLICAS, t0);
    const requests = requestsSince(requests0, requestCounts(t));
    const stage = await stages.stop(wallT0, REPLICAS);
    const cpu1 = treeCpu(t.pid!);
    const sys1 = treeCpu(t.pid!, 'system');
    const full = await settledRss(t);
    console.log(`    ${BASELINE + REPLICAS} pods  ${mib(full.kib)}, PSS ${mib(full.pss)} (${full.processes} processes; tinykube's own ${mib(full.main)})`);
    console.log(`      ${serverMemory(t)}`);
    const per = (kib: number): string => (kib / 1024 / REPLICAS).toFixed(2);
    console.log(`  marginal per pod (${BASELINE} → ${BASELINE + REPLICAS})   RSS ${per(full.kib - base.kib)} MiB, PSS ${per(full.pss - base.pss)} MiB; the floor's listeners: ${(floor.kib / 1024 / REPLICAS).toFixed(3)} MiB each; processes left ${((full.processes - base.processes) / REPLICAS).toFixed(2)} per pod`);
    console.log(`  ${REPLICAS}-replica Deployment, apply → all Ready   ${(ms / 1000).toFixed(1)} s`);
    const s = formatStage;
    console.log(`    the last pod created ${s(stage.created)}, bound ${s(stage.bound)}, its container running ${s(stage.running)}, Ready ${s(stage.ready)} (a watch of the pods; ≤: to the second, the watch was late)`);
    const cpu = (k: keyof typeof cpu1): string => `${(cpu1[k] - cpu0[k]).toFixed(1)} s (system ${(sys1[k] - sys0[k]).toFixed(1)})`;
    console.log(`    CPU from apply to all Ready: server ${cpu('server')}, node agents ${cpu('agents')}, image hosts ${cpu('hosts')}, the rest ${cpu('other')}`);
    console.log(`    the server's ${requests}`);
    console.log(`  floor: ${REPLICAS} listeners started directly        ${(floor.ms / 1000).toFixed(2)} s   → tinykube takes ${(ms / floor.ms).toFixed(0)}× the floor`);
  } finally {
    await t.destroy();
  }
}

/** N Services over N Deployments of 2 replicas: 2N pods and 2N endpoints, all in one process. */
async function servicesAllInOne(): Promise<void> {
  const t = await Tinykube.start();
  try {
    // In files of 50 Services: one kubectl apply of thousands of objects outlasts its timeout.
    const files: string[] = [];
    for (let i = 0; i < SERVICES; i += 50) {
      const docs = Array.from({ length: Math.min(50, SERVICES - i) }, (_, j) => [deployment(`s${i + j}`, 2), service(`s${i + j}`)]).flat();
      files.push(t.manifest(`services-${i}.yaml`, docs.join('---\n')));
    }
    const ms = await applyUntilReady(t, files, 2 * SERVICES);
    const cpu = cpuSeconds(t.pid!);
    const rss = await settledRss(t);
    console.log(`\nloopback, all-in-one: ${SERVICES} Services, ${2 * SERVICES} pods Ready in ${(ms / 1000).toFixed(0)} s (the server's CPU until then ${cpu.toFixed(0)} s); RSS ${mib(rss.kib)}, PSS ${mib(rss.pss)} (${rss.processes} processes; tinykube's own ${mib(rss.main)}, at its peak ${mib(rssKiB(t.pid!, 'VmHWM'))}; goal < 600 MiB)`);
    console.log(`  ${serverMemory(t)}`);
    // V8's memory reducer shrinks an idle heap over several GCs spread over tens of seconds.
    await new Promise((r) => setTimeout(r, IDLE_S * 1000));
    const idle = treeRssKiB(t.pid!);
    console.log(`  ${IDLE_S} s later, idle: RSS ${mib(idle.kib)}, PSS ${mib(idle.pss)} (tinykube's own ${mib(idle.main)})`);
    console.log(`  ${serverMemory(t)}`);
  } finally {
    await t.destroy();
  }
}

console.log(`workloads: ${REPLICAS} replicas of ikubernetes/myapp (built into the node's image host); noisy on a shared machine`);
for (const network of NETWORKS) {
  const netnsSkip = network === 'netns' && requiresNetns().skip;
  if (netnsSkip) {
    console.log(`\nnetns: skipped (${netnsSkip})`);
    continue;
  }
  await run(network);
}
if (SERVICES > 0) await servicesAllInOne();
