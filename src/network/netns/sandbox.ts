// A pod's network sandbox (effects): its namespace wired to the node's cni0 (commands.ts) and
// its /etc/netns files. Both calls are idempotent and work from the host or from inside a node's
// namespace: namespaces are addressed by name (`ip -n`), never by the caller's own.

import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { Pod } from '../../apis/core/pods.js';
import { NetnsExecer, type Execer } from '../../util/execer.js';
import { podCommands } from './commands.js';
import { DNS_IP, ETC_NETNS, NETNS_RUN, podNs, podVeth, type NodeNetwork } from './names.js';
import { podFiles } from './pod-files.js';
import { runCommand, runCommands } from './run.js';

export interface PodSandboxOptions {
  prefix: string;
  node: NodeNetwork;
  uid: string;
  /** An address of node.podCIDR. */
  ip: string;
  /** An address of node.v6.podCIDR, on a dual-stack node. */
  ip6?: string;
  hostname: string;
  namespace: string;
  subdomain?: string;
  clusterDomain?: string;
  dnsIPs?: string[];
  /** The pod, when its dnsPolicy/dnsConfig should shape resolv.conf. */
  pod?: Pod;
}

export async function createPodSandbox(o: PodSandboxOptions, exec: Execer = new NetnsExecer()): Promise<{ ns: string }> {
  const ns = podNs(o.prefix, o.uid);
  // A new pod (no name yet) is set up straight away, in two processes; only a name left by an
  // earlier run or a failed attempt is looked at first.
  const named = existsSync(`${NETNS_RUN}/${ns}`);
  if (!named || !(await hasAddresses(exec, ns, o))) {
    // Half-made or with another address: start over.
    if (named) await deletePodSandbox(o.prefix, o.uid, exec);
    try {
      await runCommands(exec, podCommands({ prefix: o.prefix, node: o.node, uid: o.uid, ip: o.ip, ip6: o.ip6 }));
    } catch (err) {
      // The node side too: a veth whose pod end is gone already would block the next attempt.
      await runCommand(exec, { argv: ['ip', '-n', o.node.ns, 'link', 'del', podVeth(o.uid)] });
      await deletePodSandbox(o.prefix, o.uid, exec);
      throw new Error(`failed to set up sandbox for pod ${o.namespace}/${o.hostname} (uid ${o.uid}): ${(err as Error).message}`);
    }
  }
  const hostResolvConf = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
  const ips = o.ip6 ? (o.node.v6Primary ? [o.ip6, o.ip] : [o.ip, o.ip6]) : [o.ip];
  const files = podFiles({ ...o, ips, clusterDomain: o.clusterDomain ?? 'cluster.local', dnsIPs: o.dnsIPs ?? [DNS_IP], hostResolvConf });
  await mkdir(`${ETC_NETNS}/${ns}`, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(`${ETC_NETNS}/${ns}/${name}`, text);
  return { ns };
}

/** Whether the pod's namespace has its eth0 with the pod's addresses. */
async function hasAddresses(exec: Execer, ns: string, o: PodSandboxOptions): Promise<boolean> {
  const have = await runCommand(exec, { argv: ['ip', '-n', ns, '-o', 'addr', 'show', 'dev', 'eth0'] });
  return have.code === 0 && [` inet ${o.ip}/32 `, ...(o.ip6 ? [` inet6 ${o.ip6}/128 `] : [])].every((w) => have.stdout.includes(w));
}

/** Removes the pod's namespace, its veth pair and files. Stop its processes first: a process
 *  still inside keeps the namespace alive, unnamed. */
export async function deletePodSandbox(prefix: string, uid: string, exec: Execer = new NetnsExecer()): Promise<void> {
  const ns = podNs(prefix, uid);
  // Deleting eth0 takes the node side with it now, not when the namespace is finally freed.
  await runCommand(exec, { argv: ['ip', '-n', ns, 'link', 'del', 'eth0'] });
  const del = await runCommand(exec, { argv: ['ip', 'netns', 'del', ns] });
  if (del.code !== 0 && !/No such file/.test(del.stderr)) throw new Error(`failed to delete sandbox ${ns}: ${del.stderr.trim()}`);
  await rm(`${ETC_NETNS}/${ns}`, { recursive: true, force: true });
}
