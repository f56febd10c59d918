// The proxy component (kube-proxy): Service and EndpointSlice informers feed the change
// trackers, a bounded-frequency runner syncs the state into the datapath mode — userspace
// (no privilege), nftables or iptables (the kernel of the namespace the Execer reaches; ipvs
// is probed and falls back as kube-proxy does). After each kernel sync, stale UDP conntrack
// entries are deleted; with an announce interface, this node's share of the LoadBalancer
// addresses is put on it (L2 announcement, Node informer for who is Ready). kube-proxy's own
// ports are served on the node's addresses: healthz, metrics and proxyMode, and each
// healthCheckNodePort (healthcheck/).

import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Node } from '../apis/core/nodes.js';
import type { Service } from '../apis/core/service/types.js';
import type { EndpointSlice } from '../apis/discovery/endpointslices.js';
import { R, type Client } from '../client/client.js';
import type { EventRecorder } from '../client/events.js';
import { Informer } from '../client/informer.js';
import { realClock, type Clock } from '../util/clock.js';
import { L2Announcer } from './announce/announcer.js';
import { loadBalancerTargets, readyNodeNames } from './announce/choose.js';
import { ConntrackCleaner } from './conntrack/cleaner.js';
import { planConntrackCleanup } from './conntrack/plan.js';
import { addAnyIPRoutes, localIPs, removeAnyIPRoutes, type AnyIP } from './host-network.js';
import { createProxyMetrics, type ProxyMetrics } from './metrics.js';
import { ipv6Probe, kernelProbes } from './mode-probes.js';
import { MetaMode } from './meta-mode.js';
import { familyOf, type IPFamily } from './state/family.js';
import { NetnsExecer, type Execer } from '../util/execer.js';
import { IptablesMode } from './modes/iptables/iptables-mode.js';
import { chooseMode, type ProxyModeName } from './modes/ipvs/detect.js';
import { NftablesMode } from './modes/nftables/nftables-mode.js';
import { isScheduler, SCHEDULERS } from './modes/userspace/scheduler.js';
import { UserspaceMode } from './modes/userspace/userspace-mode.js';
import { Proxier, type AfterApply, type Mode } from './proxier.js';
import { BoundedFrequencyRunner } from './runner.js';
import { ProxyHealth } from './healthcheck/answers.js';
import { ProxyPorts } from './healthcheck/servers.js';
import { nodePortIPs } from './state/node-addresses.js';
import type { ProxyState } from './state/types.js';
import type { TrafficReport } from './traffic.js';

/** UDP clients one userspace service address forwards for at once (each flow is a socket). */
const UDP_MAX_FLOWS = 1024;

export type { ProxyState } from './state/types.js';
export type { ProxyModeName } from './modes/ipvs/detect.js';

export interface ProxyOptions {
  client: Client;
  log: Logger;
  events: EventRecorder;
  nodeName: string;
  nodeIPs: string[];
  /** kube-proxy's --nodeport-addresses: CIDRs; default: the node's IPs. */
  nodePortAddresses?: string[];
  /** kube-proxy's --proxy-mode; default userspace. */
  mode?: ProxyModeName;
  /**
   * kube-proxy's --cluster-cidr (the pod network, e.g. 10.244.0.0/16): ClusterIP traffic from
   * outside it is masqueraded. Required by kernel modes. Dual-stack: one CIDR per family,
   * comma-separated (`10.244.0.0/16,fd00:10:244::/56`): a proxier per family.
   */
  clusterCIDR?: string;
  /** kube-proxy's --masquerade-all (kernel modes). */
  masqueradeAll?: boolean;
  /** Runs nft, iptables, conntrack, ip and arping; default: in this process's network namespace. */
  execer?: Execer;
  /** userspace mode: CIDRs made local (`ip route replace local CIDR dev lo`) so VIPs can be bound; removed on stop. */
  anyIPCIDRs?: string[];
  /** Put the LoadBalancer addresses this node is chosen to announce on this interface (e.g. eth0), with gratuitous ARP. */
  announceInterface?: string;
  /** Scheduler for Services without the tinykube.io/scheduler annotation; default rr (userspace). */
  defaultScheduler?: string;
  clock?: Clock;
  /** Open TCP connections to a removed endpoint are closed after this long; default 30 s. */
  drainMs?: number;
  /** Default 30 s. */
  udpIdleTimeoutMs?: number;
  /** Runner bounds; defaults 0 (sync as soon as asked), 30 s (periodic resync), 1 s. */
  minSyncIntervalMs?: number;
  maxSyncIntervalMs?: number;
  /** kube-proxy's healthz port (10256: /healthz, /livez) on the NodePort addresses; none: not served. */
  healthzPort?: number;
  /** kube-proxy's metrics port (10249: /metrics, /proxyMode); none: not served. */
  metricsPort?: number;
}

export interface RunningProxy {
  stop(): Promise<void>;
  /** The state last applied, for `tinykube explain`. */
  state(): ProxyState;
  metrics: Registry;
  /** The mode in use. */
  mode: ProxyModeName;
  /** Why it is not the mode asked for (kube-proxy's fallback message); absent when it is. */
  modeMessage?: string;
  /** LoadBalancer addresses this node announces now. */
  announced(): string[];
  /** What this node's proxy has carried, per endpoint (none in a mode without counters). */
  traffic(): Promise<TrafficReport>;
}

interface ModeContext {
  opts: ProxyOptions;
  exec: Execer;
  log: Logger;
  clock: Clock;
  metrics: ProxyMetrics;
  /** Kernel modes: a proxier per family, each with its pod network. */
  families: FamilyCIDR[];
}

interface FamilyCIDR {
  family: IPFamily;
  podCIDR: string;
}

/**
 * The families a kernel mode serves: those of --cluster-cidr whose rules can be programmed here.
 * A second family that cannot (no IPv6, no ip6 table, no ip6tables) is left out with a Warning
 * Event, as kube-proxy then runs single-stack; the only family failing is an error.
 */
async function kernelFamilies(mode: 'nftables' | 'iptables', opts: ProxyOptions, exec: Execer, nodeEvent: (reason: string, message: string) => void): Promise<FamilyCIDR[]> {
  if (!opts.clusterCIDR) throw new Error(`the ${mode} proxy mode needs the cluster CIDR (the pod network, e.g. 10.244.0.0/16)`);
  const byFamily = new Map<string, FamilyCIDR>();
  for (const cidr of opts.clusterCIDR.split(',').map((c) => c.trim()).filter(Boolean)) {
    const family = familyOf(cidr);
    if (!byFamily.has(family.name)) byFamily.set(family.name, { family, podCIDR: cidr });
  }
  const out: FamilyCIDR[] = [];
  for (const f of byFamily.values()) {
    const probe = f.family.name === 'IPv6' ? await ipv6Probe(exec, mode) : { available: true };
    if (probe.available) out.push(f);
    else if (byFamily.size === 1) throw new Error(`can't program IPv6 with the ${mode} proxier: ${probe.reason}`);
    else nodeEvent('IPFamilyUnavailable', `can't program IPv6 with the ${mode} proxier: ${probe.reason}; serving IPv4 only`);
  }
  return out;
}

function createMode(name: ProxyModeName, { opts, exec, log, clock, metrics, families }: ModeContext): Mode {
  if (name === 'userspace') {
    const defaultScheduler = opts.defaultScheduler ?? 'rr';
    if (!isScheduler(defaultScheduler)) throw new Error(`unknown scheduler "${defaultScheduler}" (one of ${SCHEDULERS.join(', ')})`);
    return new UserspaceMode({
      log,
      clock,
      metrics,
      defaultScheduler,
      drainMs: opts.drainMs ?? 30_000,
      udpIdleTimeoutMs: opts.udpIdleTimeoutMs ?? 30_000,
      udpMaxFlows: UDP_MAX_FLOWS,
      connectTimeoutMs: 3_000,
      report: (svc, reason, message) =>
        opts.events.record({ apiVersion: 'v1', kind: 'Service', metadata: { name: svc.name, namespace: svc.namespace, uid: svc.uid } }, 'Warning', reason, message),
    });
  }
  const render = families.map(({ family, podCIDR }) => ({ podCIDR, family, masqueradeAll: opts.masqueradeAll }));
  // nftables: both families' tables in one transaction; iptables: a proxier per family.
  if (name === 'nftables') return new NftablesMode(exec, render);
  const modes = render.map((r) => new IptablesMode(exec, r, (message) => log.warn({ mode: 'iptables' }, message)));
  return modes.length === 1 ? modes[0]! : new MetaMode(modes);
}

export async function startProxy(opts: ProxyOptions): Promise<RunningProxy> {
  const clock = opts.clock ?? realClock;
  const log = opts.log.child({ component: 'proxy' });
  const exec = opts.execer ?? new NetnsExecer();
  const nodeEvent = (reason: string, message: string): void => {
    log.warn({ requested: opts.mode, reason }, message);
    // kube-proxy's events about itself name the Node it runs on.
    opts.events.record({ apiVersion: 'v1', kind: 'Node', metadata: { name: opts.nodeName, uid: opts.nodeName } }, 'Warning', reason, message);
  };
  const choice = await chooseMode(opts.mode ?? 'userspace', kernelProbes(exec));
  if (choice.message) nodeEvent('ProxyModeFallback', choice.message);
  const kernel = choice.mode !== 'userspace';
  const families = choice.mode === 'nftables' || choice.mode === 'iptables' ? await kernelFamilies(choice.mode, opts, exec, nodeEvent) : [];
  // Only the userspace mode binds in this process; the kernel modes serve the Execer's namespace.
  const interfaceIPs = await localIPs(kernel ? exec : undefined);
  const node = { nodeName: opts.nodeName, nodePortIPs: nodePortIPs(opts.nodePortAddresses, opts.nodeIPs, interfaceIPs) };
  const metrics = createProxyMetrics();
  const mode = createMode(choice.mode, { opts, exec, log, clock, metrics, families });
  const anyIP = !kernel ? (opts.anyIPCIDRs ?? []) : [];
  if (kernel && opts.anyIPCIDRs?.length) log.info({ mode: choice.mode }, 'AnyIP routes are for the userspace mode only; not added');
  const conntrack = kernel ? new ConntrackCleaner(exec, log) : undefined;
  const announcer = opts.announceInterface ? new L2Announcer({ exec, iface: opts.announceInterface, nodeName: opts.nodeName, log }) : undefined;
  // Reads only: a missing interface fails the start before anything is changed.
  await announcer?.start();
  const anyIPAdded: AnyIP = await addAnyIPRoutes(exec, anyIP);
  const afterApply: AfterApply = async (previous, current) => {
    const stale = conntrack ? planConntrackCleanup(previous, current) : [];
    if (stale.length) await conntrack!.delete(stale);
    await announcer?.update(loadBalancerTargets(current, kernel ? families.map((f) => f.family) : undefined));
  };

  const maxSyncIntervalMs = opts.maxSyncIntervalMs ?? 30_000;
  // kube-proxy's health timeout: twice the sync period.
  const health = new ProxyHealth(() => clock.now(), 2 * maxSyncIntervalMs);
  const ports = new ProxyPorts({
    ips: node.nodePortIPs,
    healthzPort: opts.healthzPort,
    metricsPort: opts.metricsPort,
    mode: choice.mode,
    metrics: metrics.registry,
    health,
    log,
    failed: (svc, message) =>
      opts.events.record({ apiVersion: 'v1', kind: 'Service', metadata: { name: svc.name, namespace: svc.namespace, uid: `${svc.namespace}/${svc.name}` } }, 'Warning', 'FailedToStartServiceHealthcheck', message),
  });
  await ports.start();

  let firstSync: () => void = () => undefined;
  const synced = new Promise<void>((r) => (firstSync = r));
  const runner = new BoundedFrequencyRunner(
    async () => {
      await proxier.sync();
      if (!proxier.isSynced()) return;
      health.updated();
      await ports.sync(proxier.state());
      firstSync();
    },
    {
      clock,
      minIntervalMs: opts.minSyncIntervalMs ?? 0,
      maxIntervalMs: maxSyncIntervalMs,
      retryIntervalMs: 1_000,
      onError: (err) => log.error({ err }, 'sync failed; retrying'),
    },
  );
  const proxier = new Proxier(node, mode, clock, metrics, () => runner.run(), afterApply);

  const services = new Informer<Service>(opts.client, R.services).on({
    add: (s) => proxier.onService(undefined, s),
    update: (o, n) => proxier.onService(o, n),
    delete: (s) => proxier.onService(s, undefined),
  });
  const slices = new Informer<EndpointSlice>(opts.client, R.endpointSlices).on({
    add: (s) => proxier.onEndpointSlice(s, false),
    update: (_o, n) => proxier.onEndpointSlice(n, false),
    delete: (s) => proxier.onEndpointSlice(s, true),
  });
  // Registered after the proxier's: every change is queued until a sync has applied it.
  for (const informer of [services, slices] as Informer[]) informer.on({ add: () => health.queued(), update: () => health.queued(), delete: () => health.queued() });
  const nodes = announcer ? new Informer<Node>(opts.client, R.nodes) : undefined;
  const nodesChanged = (): void => void announcer!.update({ readyNodes: readyNodeNames(nodes!.list()) });
  nodes?.on({ add: nodesChanged, update: nodesChanged, delete: nodesChanged });
  const stop = async (): Promise<void> => {
    services.stop();
    slices.stop();
    nodes?.stop();
    // A kernel sync finishing after mode.stop() would program the rules again.
    await runner.stop();
    await ports.stop();
    await mode.stop();
    await announcer?.stop();
    await removeAnyIPRoutes(exec, anyIPAdded);
  };
  try {
    await Promise.all([
      services.start().then(() => proxier.setServicesSynced()),
      slices.start().then(() => proxier.setEndpointSlicesSynced()),
      nodes?.start().then(nodesChanged),
    ]);
    await synced;
  } catch (e) {
    // Leave nothing behind: rules, addresses and routes are removed as on stop.
    await stop().catch((err: unknown) => log.error({ err }, 'cleanup after a failed start failed'));
    throw e;
  }
  log.info({ mode: mode.name, families: families.map((f) => f.family.name), nodePortIPs: node.nodePortIPs, announceInterface: opts.announceInterface }, 'proxy serving');

  return {
    stop,
    state: () => proxier.state(),
    metrics: metrics.registry,
    mode: choice.mode,
    modeMessage: choice.message,
    announced: () => announcer?.announced() ?? [],
    traffic: async () => {
      const endpoints = (await mode.traffic?.()) ?? [];
      // When read: nft lists the counters at the end of a run that takes a second at 10,000 Services.
      return { node: opts.nodeName, mode: choice.mode, at: clock.now(), endpoints };
    },
  };
}
