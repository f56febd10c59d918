// What a pod costs on the netns network before its container runs, per pod:
// - its sandbox (namespace, veth to cni0, addresses, routes): processes started, ms and this
//   process's CPU ms, pods set up one after another and 8 at a time, as a node's pod workers do;
//   the `ip` processes spawned by this process (Node's spawn forks it) against the same started
//   by the spawn helper (util/spawn-helper.ts, what a node agent uses), with --ballast MiB of
//   heap held to give this process a node agent's size (a fork copies the page tables);
// - the listening socket of a built-in-image container, bound inside the pod's namespace: the
//   node's image host asking its one socket helper (netns-sockets.ts), against the peer measured
//   in the same run, a Node.js socket broker started in the pod's namespace (socket-broker.ts,
//   what the image host did before);
// - for scale, what the first `kubectl exec` into a hosted container waits for (mount-holder.ts;
//   a process container's command runs after the same script): the process holding its volumes
//   at their mountPaths (mount-script.ts; a service account token and a WORKDIR), from start to
//   its ready marker.
//
//   npx tsx bench/netns-pods.ts [--pods 200] [--only sandbox] [--ballast 128]
//
// Needs root, iproute2, python3 (the helper) and a build (dist/, the broker's child). Everything is made under a prefix of its
// own and removed at the end, even on failure. Noisy on a shared machine: compare the ratios.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createClusterNetwork, destroyClusterNetwork } from '../src/network/netns/cluster.js';
import { createPodSandbox } from '../src/network/netns/sandbox.js';
import { IpBatchingExecer } from '../src/network/netns/ip-batching-execer.js';
import { cidrAddressAt, parseCIDR } from '../src/util/cidr.js';
import { NetnsExecer, type Execer } from '../src/util/execer.js';
import { SpawnHelperExecer } from '../src/util/spawn-helper.js';
import { inNetns } from '../src/node/pod-placement.js';
import { mountsReadyMarker, withMounts } from '../src/node/runtime/mount-script.js';

const { values } = parseArgs({ options: { pods: { type: 'string', default: '200' }, only: { type: 'string' }, ballast: { type: 'string', default: '128' } } });
const PODS = Number(values.pods);
/** Heap held for the whole run, as a node agent with a thousand pods holds about that much. */
const ballast = Array.from({ length: Number(values.ballast) }, () => Buffer.alloc(1 << 20, 1));
const PREFIX = `tkbp-${randomBytes(2).toString('hex')}`;

const rssMiB = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

let processes = 0;
const counted = (exec: Execer): Execer => ({ run: (argv, stdin) => (processes++, exec.run(argv, stdin)) });
const spawned = counted(new NetnsExecer());
const helper = new SpawnHelperExecer();
const viaHelper = counted(helper);

const plan = await createClusterNetwork({ prefix: PREFIX, nodes: 1 });
const node = plan.nodes[0]!;
const cidr = parseCIDR(node.podCIDR)!;
const namespaces: string[] = [];
const dir = mkdtempSync(join(tmpdir(), 'tinykube-netns-pods-'));
const holders: ChildProcess[] = [];
try {
  console.log(`netns pods: ${PODS} pods on one node (noisy on a shared machine)`);
  const phases: [label: string, exec: Execer, parallel: number][] = [
    ['spawned by Node', spawned, 1],
    ['by the spawn helper', viaHelper, 1],
    ['spawned by Node', spawned, 8],
    ['by the spawn helper', viaHelper, 8],
    ['by the spawn helper, node sides merged (a node agent\'s)', new IpBatchingExecer(viaHelper), 8],
  ];
  const n = Math.floor(PODS / phases.length);
  /** n pods' sandboxes, `parallel` at a time, from address offset `from`. */
  const sandboxes = async (label: string, exec: Execer, from: number, parallel: number): Promise<void> => {
    processes = 0;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    let next = 0;
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        for (let i = next++; i < n; i = next++) {
          const ip = cidrAddressAt(cidr, from + i + 2);
          const { ns } = await createPodSandbox({ prefix: PREFIX, node, uid: randomUUID(), ip, hostname: `p${from + i}`, namespace: 'default' }, exec);
          namespaces.push(ns);
        }
      }),
    );
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    console.log(`  sandbox, ${label}, ${parallel} at a time: ${(ms / n).toFixed(1)} ms per pod, this process's CPU ${((cpu.user + cpu.system) / 1000 / n).toFixed(1)} ms per pod, ${(processes / n).toFixed(1)} processes per pod`);
  };
  console.log(`  (this process holds ${ballast.length} MiB of ballast: RSS ${rssMiB(process.pid).toFixed(0)} MiB)`);
  for (const [i, [label, exec, parallel]] of phases.entries()) await sandboxes(label, exec, i * n, parallel);
  await helper.close();

  if (values.only !== 'sandbox') {
    const { NetnsSockets } = await import('../src/network/netns/netns-sockets.js');
    // From dist/ (npx tsc -p tsconfig.json first): the broker starts its child's built .js.
    const { SocketBroker } = (await import(new URL('../dist/network/rootless/socket-broker.js', import.meta.url).href)) as typeof import('../src/network/rootless/socket-broker.js');
    const sockets = new NetnsSockets();
    for (let round = 1; round <= 2; round++) {
      let t0 = performance.now();
      let peak = 0;
      for (const ns of namespaces) {
        const broker = await SocketBroker.start(`/run/netns/${ns}`);
        const server = await broker.listen('0.0.0.0', 8080);
        peak = Math.max(peak, rssMiB((broker as unknown as { child: { pid: number } }).child.pid));
        await broker.stop();
        server.close();
      }
      const brokerMs = (performance.now() - t0) / namespaces.length;
      t0 = performance.now();
      for (const ns of namespaces) (await sockets.listen(`/run/netns/${ns}`, '0.0.0.0', 8080)).close();
      const helperMs = (performance.now() - t0) / namespaces.length;
      const helperPid = Number(readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim().split(' ').at(-1));
      console.log(
        `  round ${round}, a listener in each pod's namespace: helper ${helperMs.toFixed(2)} ms per pod (0 processes; one helper, RSS ${rssMiB(helperPid).toFixed(1)} MiB)` +
          ` vs a socket broker per pod ${brokerMs.toFixed(1)} ms (1 Node.js process, RSS ${peak.toFixed(0)} MiB while it runs) → ${(brokerMs / helperMs).toFixed(0)}× faster`,
      );
    }
    await sockets.close();
  }

  const volume = join(dir, 'token');
  mkdirSync(volume);
  writeFileSync(join(volume, 'token'), 'x');
  const mounts = [
    { mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', source: volume, readOnly: true },
    { mountPath: '/app', source: volume, readOnly: false },
  ];
  const t0 = performance.now();
  for (const [i, ns] of namespaces.entries()) {
    const privateDir = join(dir, `c${i}`);
    mkdirSync(privateDir);
    const argv = inNetns(ns, withMounts(privateDir, mounts, '/app', ['sleep', 'infinity']));
    holders.push(spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' }));
    while (!existsSync(mountsReadyMarker(privateDir))) await sleep(2);
  }
  console.log(`  a hosted container's mount holder, one after another: ${((performance.now() - t0) / namespaces.length).toFixed(0)} ms per pod`);
} finally {
  for (const h of holders) h.kill('SIGKILL');
  await Promise.all(holders.map((h) => h.exitCode === null && h.signalCode === null && new Promise((r) => h.once('exit', r))));
  await destroyClusterNetwork(PREFIX);
  rmSync(dir, { recursive: true, force: true });
}
