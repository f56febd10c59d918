// Workload benchmark: from `kubectl apply` of a 100-replica Deployment to every pod Ready,
// against the floor of starting the same 100 built-in servers directly (no API, no
// controllers) in the same run; then the memory of tinykube and of its pods with 200 pods.
//
//   npx tsx bench/workloads.ts [--replicas 100] [--many 200]

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { replicas: { type: 'string', default: '100' }, many: { type: 'string', default: '200' } } });
const REPLICAS = Number(values.replicas);
const MANY = Number(values.many);

function rssMiB(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** Every descendant of pid (pods run as children of the agent). */
function descendants(pid: number): number[] {
  const out = spawnSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' }).stdout;
  const children = new Map<number, number[]>();
  for (const line of out.trim().split('\n')) {
    const [p, pp] = line.trim().split(/\s+/).map(Number);
    children.set(pp, [...(children.get(pp) ?? []), p]);
  }
  const all: number[] = [];
  const walk = (p: number): void => {
    for (const c of children.get(p) ?? []) {
      all.push(c);
      walk(c);
    }
  };
  walk(pid);
  return all;
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

/** The floor: the same built-in server started REPLICAS times, until each one accepts. */
async function directFloor(): Promise<number> {
  const procs: ChildProcess[] = [];
  const t0 = performance.now();
  try {
    for (let i = 0; i < REPLICAS; i++) {
      const host = `127.244.250.${i + 2}`;
      // The built server, as `tinykube up` runs it (the bench runner builds first).
      const [cmd, ...args] = [process.execPath, new URL('../dist/node/images/server.js', import.meta.url).pathname];
      const spec = { kind: 'myapp', version: 'v1', host, listeners: [{ port: 8080, proto: 'http', required: true }] };
      procs.push(spawn(cmd, [...args, JSON.stringify(spec)], { stdio: 'ignore', env: { ...process.env, POD_NAME: `floor-${i}`, POD_IP: host } }));
    }
    for (let i = 0; i < REPLICAS; i++) while (!(await portOpen(`127.244.250.${i + 2}`, 8080))) await new Promise((r) => setTimeout(r, 20));
    return performance.now() - t0;
  } finally {
    for (const p of procs) p.kill('SIGKILL');
  }
}

async function main(): Promise<void> {
  const floorMs = await directFloor();
  const dir = mkdtempSync(join(tmpdir(), 'tinykube-bench-wl-'));
  const bin = new URL('../bin/tinykube.js', import.meta.url).pathname;
  const up = spawn(process.execPath, [bin, 'up', '--network', 'loopback', '--data-dir', dir, '--api-port', '0', '--disable', 'proxy,dns'], { stdio: 'ignore' });
  const kubeconfig = join(dir, 'kubeconfig');
  const kubectl = (...args: string[]) => spawnSync('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], { encoding: 'utf8' });
  try {
    while (!existsSync(kubeconfig)) await new Promise((r) => setTimeout(r, 50));
    const manifest = join(dir, 'deploy.yaml');
    writeFileSync(manifest, `apiVersion: apps/v1
kind: Deployment
metadata: {name: bench}
spec:
  replicas: ${REPLICAS}
  selector: {matchLabels: {app: bench}}
  template:
    metadata: {labels: {app: bench}}
    spec:
      containers: [{name: web, image: ikubernetes/myapp:v1, ports: [{containerPort: 8080}]}]
`);
    const t0 = performance.now();
    kubectl('apply', '-f', manifest);
    const r = kubectl('rollout', 'status', 'deployment/bench', '--timeout=300s');
    const readyMs = performance.now() - t0;
    if (r.status !== 0) throw new Error(r.stderr);

    kubectl('scale', 'deployment/bench', `--replicas=${MANY}`);
    kubectl('rollout', 'status', 'deployment/bench', '--timeout=300s');
    const pods = descendants(up.pid!);
    const podRss = pods.reduce((sum, p) => sum + rssMiB(p), 0);
    console.log(`${REPLICAS} replicas: apply → all Ready   ${(readyMs / 1000).toFixed(2)} s`);
    console.log(`same servers started directly:       ${(floorMs / 1000).toFixed(2)} s   (tinykube takes ${(readyMs / floorMs).toFixed(2)}× the floor)`);
    console.log(`with ${MANY} pods: tinykube process RSS ${rssMiB(up.pid!).toFixed(0)} MiB; ${pods.length} pod processes ${podRss.toFixed(0)} MiB (${(podRss / Math.max(1, pods.length)).toFixed(1)} MiB each)`);
  } finally {
    up.kill('SIGTERM');
    await new Promise((r) => up.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
