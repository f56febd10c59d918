// The proxy component (kube-proxy): Service and EndpointSlice informers feed the change
// trackers, a bounded-frequency runner syncs the state into the datapath mode. Only the
// userspace mode exists so far; it needs no privilege.

import { networkInterfaces } from 'node:os';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Service } from '../apis/core/service/types.js';
import type { EndpointSlice } from '../apis/discovery/endpointslices.js';
import { R, type Client } from '../client/client.js';
import type { EventRecorder } from '../client/events.js';
import { Informer } from '../client/informer.js';
import { realClock, type Clock } from '../util/clock.js';
import { createProxyMetrics } from './metrics.js';
import { isScheduler, SCHEDULERS } from './modes/userspace/scheduler.js';
import { UserspaceMode } from './modes/userspace/userspace-mode.js';
import { Proxier } from './proxier.js';
import { BoundedFrequencyRunner } from './runner.js';
import { nodePortIPs } from './state/node-addresses.js';
import type { ProxyState } from './state/types.js';

export type { ProxyState } from './state/types.js';

export interface ProxyOptions {
  client: Client;
  log: Logger;
  events: EventRecorder;
  nodeName: string;
  nodeIPs: string[];
  /** kube-proxy's --nodeport-addresses: CIDRs; default: the node's IPs. */
  nodePortAddresses?: string[];
  /** Scheduler for Services without the tinykube.io/scheduler annotation; default rr. */
  defaultScheduler?: string;
  clock?: Clock;
  /** Open TCP connections to a removed endpoint are closed after this long; default 30 s. */
  drainMs?: number;
  /** Default 30 s. */
  udpIdleTimeoutMs?: number;
  /** Runner bounds; defaults 0 (sync as soon as asked), 30 s (periodic resync), 1 s. */
  minSyncIntervalMs?: number;
  maxSyncIntervalMs?: number;
}

export interface RunningProxy {
  stop(): Promise<void>;
  /** The state last applied, for `tinykube explain`. */
  state(): ProxyState;
  metrics: Registry;
}

export async function startProxy(opts: ProxyOptions): Promise<RunningProxy> {
  const clock = opts.clock ?? realClock;
  const log = opts.log.child({ component: 'proxy' });
  const defaultScheduler = opts.defaultScheduler ?? 'rr';
  if (!isScheduler(defaultScheduler)) throw new Error(`unknown scheduler "${defaultScheduler}" (one of ${SCHEDULERS.join(', ')})`);
  const interfaceIPs = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a?.family === 'IPv4')
    .map((a) => a!.address);
  const node = { nodeName: opts.nodeName, nodePortIPs: nodePortIPs(opts.nodePortAddresses, opts.nodeIPs, interfaceIPs) };
  const metrics = createProxyMetrics();
  const mode = new UserspaceMode({
    log,
    clock,
    metrics,
    defaultScheduler,
    drainMs: opts.drainMs ?? 30_000,
    udpIdleTimeoutMs: opts.udpIdleTimeoutMs ?? 30_000,
    connectTimeoutMs: 3_000,
    report: (svc, reason, message) =>
      opts.events.record({ apiVersion: 'v1', kind: 'Service', metadata: { name: svc.name, namespace: svc.namespace, uid: svc.uid } }, 'Warning', reason, message),
  });

  let firstSync: () => void = () => undefined;
  const synced = new Promise<void>((r) => (firstSync = r));
  const runner = new BoundedFrequencyRunner(
    async () => {
      await proxier.sync();
      if (proxier.isSynced()) firstSync();
    },
    {
      clock,
      minIntervalMs: opts.minSyncIntervalMs ?? 0,
      maxIntervalMs: opts.maxSyncIntervalMs ?? 30_000,
      retryIntervalMs: 1_000,
      onError: (err) => log.error({ err }, 'sync failed; retrying'),
    },
  );
  const proxier = new Proxier(node, mode, clock, metrics, () => runner.run());

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
  await Promise.all([services.start().then(() => proxier.setServicesSynced()), slices.start().then(() => proxier.setEndpointSlicesSynced())]);
  await synced;
  log.info({ mode: mode.name, nodePortIPs: node.nodePortIPs, scheduler: defaultScheduler }, 'proxy serving');

  return {
    async stop() {
      services.stop();
      slices.stop();
      runner.stop();
      await mode.stop();
    },
    state: () => proxier.state(),
    metrics: metrics.registry,
  };
}
