// `tinykube up --network netns --nodes N`: a cluster of N nodes on this machine (root, or root of
// the user namespace of the rootless network). The network is built of namespaces
// (src/network/netns); the control plane runs here, on the host's loopback and a unix socket in
// the data dir; each node is a `tinykube agent` process inside its node namespace, with its pods
// in namespaces of their own and the cluster DNS as pods. Rootless, the host reaches in through
// published ports and the cluster reaches out through the host gateway (src/network/rootless).
// Stopping stops the agents (they stop their pods and datapath) and removes the whole network.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Execer } from '../util/execer.js';
import type { Logger } from 'pino';
import type { Pod } from '../apis/core/pods.js';
import { R, type Client } from '../client/client.js';
import { InProcessClient } from '../client/in-process.js';
import { applyClusterDns } from '../dns/cluster-dns.js';
import { applyKubeProxyDaemonSet } from '../proxy/kube-proxy-daemonset.js';
import { clusterNamespacePids, createClusterNetwork, destroyClusterNetwork } from '../network/netns/cluster.js';
import { nodeIPs, podCIDRs, podNs, type ClusterPlan, type NodeNetwork } from '../network/netns/names.js';
import type { PodPlacement } from '../node/pod-placement.js';
import type { ProxyModeName } from '../proxy/index.js';
import { startRootlessEdges, type RootlessEdges } from '../network/rootless/edges.js';
import { OwnNetnsExecer } from '../network/rootless/own-netns-execer.js';
import { NetnsExecer } from '../util/execer.js';
import { lifelineEnv } from '../util/lifeline.js';
import { startControlPlane, type ControlPlane, type ControlPlaneOptions } from './control-plane.js';

export interface NetnsClusterOptions extends Omit<ControlPlaneOptions, 'serviceCIDR' | 'podCIDR' | 'placement'> {
  nodes: number;
  /** Inside a user namespace: LoadBalancer addresses from lbPools (host loopback addresses),
   *  published on the host with the NodePorts, and a host gateway for the way out. */
  rootless?: boolean;
  prefix: string;
  proxyMode: ProxyModeName;
  logLevel: string;
  /** Gives up starting (and cleans up) when aborted. */
  abort?: AbortSignal;
  /** Told what stopping waits for, step by step. */
  waitingFor?: (what: string) => void;
  /** ClusterIP ranges, one or two (dual-stack); default 10.96.0.0/12. */
  serviceCIDRs?: string[];
  /** Pod networks, one or two (dual-stack, an IPv4 one among them); default 10.244.0.0/16. */
  clusterCIDRs?: string[];
}

export interface NetnsCluster {
  cp: ControlPlane;
  plan: ClusterPlan;
  stop(): Promise<void>;
}

/** How long a stopping agent gets to stop its pods and datapath before SIGKILL. */
const AGENT_STOP_MS = 20_000;
const NODES_READY_MS = 60_000;

export const nodeDataDir = (dataDir: string, node: string): string => join(dataDir, 'nodes', node);

export async function startNetnsCluster(o: NetnsClusterOptions): Promise<NetnsCluster> {
  if (process.getuid?.() !== 0) throw new Error('--network netns needs root: it builds network namespaces for nodes and pods');
  const exec = o.rootless ? new OwnNetnsExecer() : new NetnsExecer();
  // Rootless, the namespaces are this user namespace's own.
  if (!o.rootless) await refuseAnotherCluster(o.prefix, o.dataDir, exec);
  const plan = await createClusterNetwork({ prefix: o.prefix, nodes: o.nodes, hostGateway: o.rootless, clusterCIDRs: o.clusterCIDRs, serviceCIDRs: o.serviceCIDRs }, exec);
  const placement: PodPlacement = {
    dataDir: (pod: Pod) => nodeDataDir(o.dataDir, pod.spec?.nodeName ?? ''),
    netns: (pod: Pod) => (pod.spec?.hostNetwork ? pod.spec?.nodeName : podNs(o.prefix, pod.metadata.uid!)),
    // A node's namespace is named after it: its kubelet port (nodes/NAME/proxy) is dialled there.
    nodeNetns: (nodeName: string) => nodeName,
  };
  const agents: ChildProcess[] = [];
  let cp: ControlPlane | undefined;
  let rootless: RootlessEdges | undefined;
  // The agents first (their pods and datapath go with them), and every step even when one
  // before it failed: an error must not leave agents running or the network built.
  const stop = (): Promise<void> =>
    allSteps(o.waitingFor, [
      [`the node agents to exit (SIGKILL after ${AGENT_STOP_MS / 1000} s)`, () => Promise.all(agents.map((a) => stopAgent(a)))],
      ...(o.rootless ? [['the host edges of the rootless network to close', () => rootless?.stop()] satisfies Step] : []),
      ['the control plane to stop', () => cp?.stop()],
      ['the network namespaces to be removed', () => destroyClusterNetwork(o.prefix, exec)],
    ]);
  try {
    cp = await startControlPlane({
      ...o,
      deferKubeconfig: true,
      serviceCIDR: plan.serviceCIDRs.join(','),
      ...(o.rootless ? { lbIPMode: 'Proxy' as const, advertiseAddress: plan.hostGatewayIP } : { lbPools: [plan.lbPool, ...(plan.v6 ? [plan.v6.lbPool] : [])] }),
      // What the dashboard's explain renders the masquerade rules with: each family's pod network.
      podCIDR: plan.clusterCIDRs.join(','),
      // Nodes, their proxies and the DNS run in the namespaces, as agents and pods.
      disable: new Set([...o.disable, 'node', 'proxy', 'dns']),
      placement,
    });
    const socket = `unix://${join(o.dataDir, 'api.sock')}`;
    const tokenFile = existsSync(join(o.dataDir, 'node-token')) ? join(o.dataDir, 'node-token') : join(o.dataDir, 'token');
    const caFile = join(o.dataDir, 'tls', 'ca.crt');
    const admin = new InProcessClient(cp.server.rest, 'tinykube');
    const agentsStarted = Date.now();
    for (const node of plan.nodes) {
      // Asked to stop while the control plane started: no agent to start and stop again.
      o.abort?.throwIfAborted();
      agents.push(startAgent(o, plan, node, { server: socket, tokenFile, caFile }));
    }
    await nodesReady(admin, plan.nodes.map((n) => n.ns), agentsStarted, agents, o.log, o.abort);
    // Each node agent's proxy as a pod of kubeadm's kube-proxy DaemonSet.
    if (!o.disable.has('proxy')) await applyKubeProxyDaemonSet(admin);
    // After the nodes, so the scheduler spreads the DNS pods over them.
    if (!o.disable.has('dns')) {
      await applyClusterDns(admin, {
        clusterIPs: plan.dnsIPs,
        replicas: Math.min(2, o.nodes),
        clusterDomain: o.clusterDomain,
        server: socket,
        upstreams: plan.hostGatewayIP ? [`${plan.hostGatewayIP}:53`] : o.dnsUpstreams,
        reverseCidrs: plan.serviceCIDRs,
      });
    }
    if (o.rootless) {
      rootless = await startRootlessEdges({ client: admin, plan, apiPort: cp.port, dnsUpstream: o.dnsUpstreams?.[0], log: o.log });
    }
    cp.publishKubeconfig();
    return { cp, plan, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** `tinykube agent` inside the node's namespace. nsenter, not `ip netns exec`: the pod namespaces
 *  the agent names must be seen by all (it adds them in this process's mount namespace,
 *  src/network/netns/mount-ns.ts). Its own mount namespace is a slave of this one: it sees those
 *  names, and what it mounts itself (its secret and projected volumes' tmpfs) goes with it.
 *  Its lifeline stops it should this process be killed (kill -9) before it could stop it. */
function startAgent(o: NetnsClusterOptions, plan: ClusterPlan, node: NodeNetwork, api: { server: string; tokenFile: string; caFile: string }): ChildProcess {
  const dir = nodeDataDir(o.dataDir, node.ns);
  mkdirSync(dir, { recursive: true });
  const argv = [
    'nsenter', `--net=/run/netns/${node.ns}`, '--',
    'unshare', '--mount', '--propagation', 'slave', '--',
    process.execPath, ...process.execArgv, process.argv[1]!, 'agent',
    '--server', api.server, '--token-file', api.tokenFile, '--ca-file', api.caFile,
    '--data-dir', dir, '--node-name', node.ns, '--node-ip', nodeIPs(node).join(','), '--pod-cidr', podCIDRs(node).join(','),
    '--network', 'netns', '--netns-prefix', plan.prefix,
    '--proxy-mode', o.proxyMode, '--cluster-cidr', plan.clusterCIDRs.join(','), '--service-cidr', plan.serviceCIDRs.join(','),
    '--announce-interface', 'eth0', '--cluster-domain', o.clusterDomain, '--dns-ip', plan.dnsIPs.join(','),
    '--log-level', o.logLevel,
    ...(o.nodePortAddresses ? ['--nodeport-addresses', o.nodePortAddresses.join(',')] : []),
  ];
  const out = openSync(join(dir, 'agent.out'), 'a');
  try {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', out, out, 'pipe'], env: { ...process.env, ...lifelineEnv() } });
    writeFileSync(join(dir, 'agent.pid'), `${child.pid}\n`);
    child.once('exit', (code, signal) => o.log.info({ node: node.ns, code, signal }, 'node agent exited'));
    return child;
  } finally {
    closeSync(out);
  }
}

/** Starting reconciles the prefix's namespaces: it removes them and kills what runs inside. A
 *  running cluster of another data dir there (its agents) is refused, not wrecked; a killed run of
 *  this data dir (its agents still stopping) is taken over. */
async function refuseAnotherCluster(prefix: string, dataDir: string, exec: Execer): Promise<void> {
  const mine = join(resolve(dataDir), 'nodes');
  for (const pid of await clusterNamespacePids(prefix, exec)) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const dir = argv.includes('agent') ? argv[argv.indexOf('--data-dir') + 1] : undefined;
    if (dir && dirname(resolve(dir)) !== mine) {
      throw new Error(`--netns-prefix ${prefix}: its namespaces are in use by another cluster (an agent, pid ${pid}, of data dir ${dirname(dirname(dir))}); stop that cluster, or give this one another --netns-prefix`);
    }
  }
}

/** A step of stopping, and what it waits for. */
type Step = [what: string, run: () => Promise<unknown> | undefined];

/** Runs every step in order, saying what each waits for, then throws the first failure (if any). */
async function allSteps(waitingFor: ((what: string) => void) | undefined, steps: Step[]): Promise<void> {
  const failures: unknown[] = [];
  for (const [what, step] of steps) {
    waitingFor?.(what);
    try {
      await step();
    } catch (e) {
      failures.push(e);
    }
  }
  if (failures.length) throw failures[0];
}

async function stopAgent(a: ChildProcess): Promise<void> {
  if (a.exitCode !== null || a.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => a.once('exit', () => resolve()));
  a.kill('SIGTERM');
  const timer = setTimeout(() => a.kill('SIGKILL'), AGENT_STOP_MS);
  await exited;
  clearTimeout(timer);
}

/** Until every node is Ready by its agent of this run: after a restart the Nodes are still
 *  Ready from the last one (until the node lifecycle's grace period), so a heartbeat counts only
 *  from `since` (to the second, the API's time format). */
async function nodesReady(client: Client, names: string[], since: number, agents: ChildProcess[], log: Logger, abort?: AbortSignal): Promise<void> {
  const deadline = Date.now() + NODES_READY_MS;
  const fresh = (heartbeat: string | undefined): boolean => Date.parse(heartbeat ?? '') >= since - (since % 1000);
  for (;;) {
    abort?.throwIfAborted();
    const dead = agents.find((a) => a.exitCode !== null);
    if (dead) throw new Error(`a node agent exited (code ${dead.exitCode}) while starting; see DATA_DIR/nodes/*/agent.out`);
    const { items } = await client.list(R.nodes);
    const ready = new Set(
      items
        .filter((n) => (n.status as { conditions?: { type: string; status: string; lastHeartbeatTime?: string }[] } | undefined)?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True' && fresh(c.lastHeartbeatTime)))
        .map((n) => n.metadata.name),
    );
    if (names.every((n) => ready.has(n))) return;
    if (Date.now() > deadline) throw new Error(`nodes not Ready after ${NODES_READY_MS / 1000} s: ${names.filter((n) => !ready.has(n)).join(', ')}`);
    log.debug({ ready: [...ready] }, 'waiting for nodes');
    await new Promise((r) => setTimeout(r, 200));
  }
}
