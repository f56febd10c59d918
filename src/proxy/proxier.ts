// The mode-independent middle of the proxy: informer handlers only record changes and ask the
// runner for a sync; a sync checks the changes out, rebuilds the desired state and hands it to
// the mode in one call. Nothing reaches the mode before Services and EndpointSlices synced.

import type { Service } from '../apis/core/service/types.js';
import type { EndpointSlice } from '../apis/discovery/endpointslices.js';
import type { Clock } from '../util/clock.js';
import type { ProxyMetrics } from './metrics.js';
import { buildState, type NodeView } from './state/build-state.js';
import { applyChanges } from './state/change.js';
import { EndpointsChangeTracker, type EndpointsMap } from './state/endpoints-change-tracker.js';
import { ServiceChangeTracker, type ServicePortMap } from './state/service-change-tracker.js';
import type { ProxyState } from './state/types.js';
import type { EndpointTraffic } from './traffic.js';

/** A datapath: renders the whole state and applies it; may throw to have the sync retried. */
export interface Mode {
  readonly name: string;
  apply(state: ProxyState): Promise<void>;
  stop(): Promise<void>;
  /** Kernel modes: make the next apply a full sync (rewrite everything, re-read the kernel). */
  requestFullSync?(): void;
  /** Per-endpoint counters, where the mode keeps them (the kernel modes read them). */
  traffic?(): Promise<EndpointTraffic[]>;
}

/**
 * How often a kernel mode rewrites everything even when nothing changed, repairing what someone
 * else changed or removed (kube-proxy's hourly full sync).
 */
export const FULL_SYNC_PERIOD_MS = 60 * 60_000;

/**
 * Runs after a successful apply with the state applied before it and the one applied now
 * (conntrack cleanup, address announcement); handles its own failures.
 */
export type AfterApply = (previous: ProxyState, current: ProxyState) => Promise<void>;

export class Proxier {
  private readonly serviceChanges: ServiceChangeTracker;
  private readonly endpointChanges: EndpointsChangeTracker;
  private readonly services: ServicePortMap = new Map();
  private readonly endpoints: EndpointsMap = new Map();
  private servicesSynced = false;
  private slicesSynced = false;
  private current: ProxyState;
  /** What the mode last applied successfully. */
  private applied: ProxyState;
  /** Change times not yet served (kept when a sync fails). */
  private unserved: number[] = [];
  private lastFullSync: number;

  constructor(
    private readonly node: NodeView,
    private readonly mode: Mode,
    private readonly clock: Clock,
    private readonly metrics: ProxyMetrics,
    private readonly requestSync: () => void,
    private readonly afterApply?: AfterApply,
  ) {
    this.serviceChanges = new ServiceChangeTracker(clock);
    this.endpointChanges = new EndpointsChangeTracker(node.nodeName, clock);
    this.current = buildState(this.services, this.endpoints, node, false);
    this.applied = this.current;
    this.lastFullSync = clock.now();
  }

  onService(previous: Service | undefined, current: Service | undefined): void {
    if (this.serviceChanges.update(previous, current) && this.isSynced()) this.requestSync();
  }

  onEndpointSlice(slice: EndpointSlice, removed: boolean): void {
    if (this.endpointChanges.update(slice, removed) && this.isSynced()) this.requestSync();
  }

  setServicesSynced(): void {
    this.servicesSynced = true;
    if (this.isSynced()) this.requestSync();
  }

  setEndpointSlicesSynced(): void {
    this.slicesSynced = true;
    if (this.isSynced()) this.requestSync();
  }

  isSynced(): boolean {
    return this.servicesSynced && this.slicesSynced;
  }

  /** The state last handed to the mode. */
  state(): ProxyState {
    return this.current;
  }

  /** The runner's function. */
  async sync(): Promise<void> {
    if (!this.isSynced()) return;
    const start = this.clock.now();
    const svc = this.serviceChanges.checkout();
    const eps = this.endpointChanges.checkout();
    applyChanges(this.services, svc);
    applyChanges(this.endpoints, eps);
    this.unserved.push(...[...svc.values(), ...eps.values()].map((c) => c.since));
    this.current = buildState(this.services, this.endpoints, this.node, true);
    if (start - this.lastFullSync >= FULL_SYNC_PERIOD_MS) {
      this.mode.requestFullSync?.();
      this.lastFullSync = start;
    }
    await this.mode.apply(this.current);
    const done = this.clock.now();
    this.metrics.syncDuration.observe((done - start) / 1000);
    for (const since of this.unserved) this.metrics.programmingLatency.observe((done - since) / 1000);
    this.unserved = [];
    const previous = this.applied;
    this.applied = this.current;
    await this.afterApply?.(previous, this.current);
  }
}
