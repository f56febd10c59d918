// LoadBalancer addresses for bare metal (the cloud-controller-manager's service controller with
// MetalLB's address pools): every Service of type LoadBalancer of our class (or none) gets an
// address from the pools in status.loadBalancer.ingress; while none is free it stays
// `<pending>` with a Warning Event, and it gets one as soon as another Service lets go.

import type { Logger } from 'pino';
import type { Service } from '../../apis/core/service/types.js';
import { R, type Client } from '../../client/client.js';
import type { EventRecorder } from '../../client/events.js';
import type { Informer } from '../../client/informer.js';
import { labelSelectorString, selectorFromSet } from '../../util/labels.js';
import { SyncLoop } from '../endpointslice/sync-loop.js';
import { Allocator, type LBRequest } from './allocator.js';
import type { Pool } from './pools.js';

export const LOAD_BALANCER_CLASS = 'tinykube.io/lb';
const REQUEST_ANNOTATIONS = ['metallb.universe.tf/loadBalancerIPs', 'tinykube.io/load-balancer-ips'];
const SHARING_ANNOTATIONS = ['metallb.universe.tf/allow-shared-ip', 'tinykube.io/allow-shared-ip'];

const keyOf = (s: Service): string => `${s.metadata.namespace}/${s.metadata.name}`;
const created = (s: Service): string => s.metadata.creationTimestamp ?? '';

/** Ours: type LoadBalancer, and our class or none (another class belongs to another controller). */
export const isOurs = (s: Service | undefined): s is Service =>
  s?.spec.type === 'LoadBalancer' && (!s.spec.loadBalancerClass || s.spec.loadBalancerClass === LOAD_BALANCER_CLASS);

const annotation = (s: Service, keys: string[]): string | undefined => keys.map((k) => s.metadata.annotations?.[k]).find((v) => v);

export function requestOf(s: Service): LBRequest {
  // The annotation may list one address per family; ours are IPv4.
  const listed = annotation(s, REQUEST_ANNOTATIONS)?.split(',').map((x) => x.trim()).find((x) => x && !x.includes(':'));
  return {
    key: keyOf(s),
    requested: s.spec.loadBalancerIP || listed || undefined,
    sharingKey: annotation(s, SHARING_ANNOTATIONS),
    ports: (s.spec.ports ?? []).map((p) => ({ port: p.port, protocol: p.protocol ?? 'TCP' })),
    externalTrafficPolicy: s.spec.externalTrafficPolicy ?? 'Cluster',
    selector: labelSelectorString(selectorFromSet(s.spec.selector)),
  };
}

const statusIP = (s: Service): string | undefined => s.status?.loadBalancer?.ingress?.find((i) => i.ip)?.ip;

export interface LoadBalancerInputs {
  client: Client;
  log: Logger;
  events: EventRecorder;
  services: Informer<Service>;
  pools: Pool[];
  /** How the addresses are reached (KEP-1860): VIP, on the nodes; Proxy, through a load balancer
   *  in front of them that the proxy leaves alone (the rootless network's host publisher). */
  ipMode?: 'VIP' | 'Proxy';
}

export class LoadBalancerController {
  private readonly allocator: Allocator;
  /** Services waiting for an address. */
  private readonly pending = new Set<string>();
  private readonly loop: SyncLoop;

  constructor(private readonly deps: LoadBalancerInputs) {
    this.allocator = new Allocator(deps.pools);
    // One worker: pending Services are served in the order they were created.
    this.loop = new SyncLoop((key) => this.sync(key), {
      workers: 1,
      batchPeriodMs: 0,
      onError: (key, err) => deps.log.warn({ err, service: key }, 'LoadBalancer address sync failed; will retry'),
    });
    const changed = (s: Service): void => this.loop.add(keyOf(s));
    deps.services.on({ add: changed, update: (_, s) => changed(s), delete: changed });
  }

  /** Call once the Service informer has synced. Addresses already in the Services' status are
   *  taken back first (oldest Service first), so a restart changes none of them. */
  start(): void {
    const services = this.deps.services.list().filter(isOurs).sort((a, b) => (created(a) < created(b) ? -1 : 1));
    for (const s of services) {
      const ip = statusIP(s);
      if (ip) this.allocator.restore(requestOf(s), ip);
    }
    this.loop.start(services.map(keyOf));
  }

  stop(): void {
    this.loop.stop();
  }

  /** An address came free: the waiting Services try again, oldest first. */
  private retryPending(): void {
    const waiting = [...this.pending]
      .map((k) => this.deps.services.get(...(k.split('/') as [string, string])))
      .filter((s): s is Service => !!s)
      .sort((a, b) => (created(a) < created(b) ? -1 : 1));
    for (const s of waiting) this.loop.add(keyOf(s));
  }

  private async sync(key: string): Promise<void> {
    const [namespace, name] = key.split('/');
    const svc = this.deps.services.get(namespace, name);
    const before = this.allocator.ipOf(key);
    if (!isOurs(svc)) {
      // Deleted, another type (the API clears its status) or someone else's class.
      this.pending.delete(key);
      if (this.allocator.release(key)) this.retryPending();
      return;
    }
    const result = this.allocator.assign(requestOf(svc), statusIP(svc));
    if (before && this.allocator.isFree(before)) this.retryPending();
    if ('error' in result) {
      this.pending.add(key);
      if (statusIP(svc)) await this.writeStatus(svc, undefined);
      this.deps.events.record(svc, 'Warning', 'AllocationFailed', `Failed to allocate IP for "${key}": ${result.error}`);
      return;
    }
    this.pending.delete(key);
    const have = svc.status?.loadBalancer?.ingress;
    if (statusIP(svc) === result.ip && have!.length === 1 && have![0]!.ipMode === (this.deps.ipMode ?? 'VIP')) return;
    await this.writeStatus(svc, result.ip);
    this.deps.events.record(svc, 'Normal', 'IPAllocated', `Assigned IP ["${result.ip}"]`);
  }

  private async writeStatus(svc: Service, ip: string | undefined): Promise<void> {
    const ingress = ip ? [{ ip, ipMode: this.deps.ipMode ?? 'VIP' }] : null;
    await this.deps.client.patch(R.services, svc.metadata.namespace, svc.metadata.name!, 'merge', { status: { loadBalancer: { ingress } } }, { subresource: 'status' });
  }
}
