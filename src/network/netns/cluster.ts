// Builds and removes the netns cluster network (effects). Creating first removes whatever an
// earlier run of the same prefix left (reconcile); removing deletes every namespace of the
// prefix, pods included, with the processes still inside them and their /etc/netns files.

import { readdir, rm } from 'node:fs/promises';
import { NetnsExecer, type Execer } from '../../util/execer.js';
import { clusterCommands } from './commands.js';
import { ETC_NETNS, ownedBy, planCluster, type ClusterNetworkSpec, type ClusterPlan } from './names.js';
import { runCommand, runCommands } from './run.js';

export async function createClusterNetwork(spec: ClusterNetworkSpec, exec: Execer = new NetnsExecer()): Promise<ClusterPlan> {
  const plan = planCluster(spec);
  await destroyClusterNetwork(spec.prefix, exec);
  try {
    await runCommands(exec, clusterCommands(plan));
  } catch (err) {
    await destroyClusterNetwork(spec.prefix, exec);
    throw new Error(`failed to create the cluster network "${spec.prefix}": ${(err as Error).message}`);
  }
  return plan;
}

/** The namespaces of this prefix that exist now. */
export async function listClusterNamespaces(prefix: string, exec: Execer = new NetnsExecer()): Promise<string[]> {
  const r = await runCommand(exec, { argv: ['ip', 'netns', 'list'] });
  if (r.code !== 0) throw new Error(`ip netns list failed: ${r.stderr.trim()}`);
  return r.stdout
    .split('\n')
    .map((line) => line.split(' ')[0]!)
    .filter((name) => ownedBy(prefix, name));
}

/** The processes inside the namespaces of this prefix (this one left out). */
export async function clusterNamespacePids(prefix: string, exec: Execer = new NetnsExecer(), names?: string[]): Promise<number[]> {
  const inside = names ?? (await listClusterNamespaces(prefix, exec));
  if (!inside.length) return [];
  const pids = await runCommand(exec, { argv: ['ip', '-force', '-batch', '-'], stdin: inside.map((n) => `netns pids ${n}\n`).join('') });
  return pids.stdout.split(/\s+/).filter(Boolean).map(Number).filter((pid) => pid !== process.pid);
}

export async function destroyClusterNetwork(prefix: string, exec: Execer = new NetnsExecer()): Promise<void> {
  const names = await listClusterNamespaces(prefix, exec);
  if (names.length) {
    // A process left inside (a crashed run's pod) would keep its namespace, addresses and
    // listening sockets alive, unnamed, after the name is gone.
    for (const pid of await clusterNamespacePids(prefix, exec, names)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    const del = await runCommand(exec, { argv: ['ip', '-force', '-batch', '-'], stdin: names.map((n) => `netns del ${n}\n`).join('') });
    const left = await listClusterNamespaces(prefix, exec);
    if (left.length) throw new Error(`failed to delete network namespaces ${left.join(', ')}: ${del.stderr.trim()}`);
  }
  const files = await readdir(ETC_NETNS).catch(() => [] as string[]);
  await Promise.all(files.filter((f) => ownedBy(prefix, f)).map((f) => rm(`${ETC_NETNS}/${f}`, { recursive: true, force: true })));
}
