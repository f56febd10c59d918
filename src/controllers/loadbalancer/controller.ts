// LoadBalancer addresses for bare metal (the cloud-controller-manager's service controller with
// MetalLB's address pools): every Service of type LoadBalancer of our class (or none) gets an
// address from the pools in status.loadBalancer.ingress (one per family of its ipFamilies that
// has a pool, in that order); while none is free it stays `<pending>` with a Warning Event, and
// it gets one as soon as another Service lets go.

import type { Logger } from 'pino';
import type { Service } from '../../apis/core/service/types.js';
import { R, type Client } from '../../client/client.js';
import type { EventRecorder } from '../../client/events.js';
import type { Informer } from '../../client/informer.js';
import { labelSelectorString, selectorFromSet } from '../../util/labels.js';
import { ipFamilyOf, type IPFamily } from '../../util/ip.js';
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

/** What the Service asks of the pools of one family. */
export function requestOf(s: Service, family: IPFamily): LBRequest {
  // The annotation lists at most one address per family.
  const asked = [s.spec.loadBalancerIP, ...(annotation(s, REQUEST_ANNOTATIONS)?.split(',') ?? [])].map((x) => x?.trim());
  return {
    key: keyOf(s),
    requested: asked.find((x) => x && ipFamilyOf(x) === family),
    sharingKey: annotation(s, SHARING_ANNOTATIONS),
    ports: (s.spec.ports ?? []).map((p) => ({ port: p.port, protocol: p.protocol ?? 'TCP' })),
    externalTrafficPolicy: s.spec.externalTrafficPolicy ?? 'Cluster',
    selector: labelSelectorString(selectorFromSet(s.spec.selector)),
  };
}

const statusIPs = (s: Service): string[] => (s.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : []));
const statusIP = (s: Service, family: IPFamily): string | undefined => statusIPs(s).find((ip) => ipFamilyOf(ip) === family);

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
  /** One per family that has pools. */
  private readonly allocators = new Map<IPFamily, Allocator>();
  /** Services waiting for an address. */
  private readonly pending = new Set<string>();
  private readonly loop: SyncLoop;

  constructor(private readonly deps: LoadBalancerInputs) {
    for (const family of new Set(deps.pools.map((p) => p.family)))
      this.allocators.set(family, new Allocator(deps.pools.filter((p) => p.family === family)));
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
    for (const s of services)
      for (const ip of statusIPs(s)) {
        const family = ipFamilyOf(ip);
        if (family) this.allocators.get(family)?.restore(requestOf(s, family), ip);
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

  /** The families the Service gets addresses in: those of its ipFamilies that have pools. */
  private familiesOf(svc: Service): IPFamily[] {
    return (svc.spec.ipFamilies ?? ['IPv4']).filter((f): f is IPFamily => this.allocators.has(f as IPFamily));
  }

  /** Lets go of the Service's addresses (in every family but `keep`); true if one came free. */
  private release(key: string, keep: IPFamily[] = []): boolean {
    let freed = false;
    for (const [family, a] of this.allocators) if (!keep.includes(family)) freed = a.release(key) || freed;
    return freed;
  }

  private async sync(key: string): Promise<void> {
    const [namespace, name] = key.split('/');
    const svc = this.deps.services.get(namespace, name);
    if (!isOurs(svc)) {
      // Deleted, another type (the API clears its status) or someone else's class.
      this.pending.delete(key);
      if (this.release(key)) this.retryPending();
      return;
    }
    const families = this.familiesOf(svc);
    let freed = this.release(key, families);
    const ips: string[] = [];
    const errors: string[] = [];
    for (const family of families) {
      const a = this.allocators.get(family)!;
      const before = a.ipOf(key);
      const result = a.assign(requestOf(svc, family), statusIP(svc, family));
      freed ||= !!before && a.isFree(before);
      if ('error' in result) errors.push(result.error);
      else ips.push(result.ip);
    }
    if (!families.length) errors.push('no available IPs');
    // All families or none: a dual-stack Service does not keep half its addresses.
    if (errors.length) freed = this.release(key) || freed;
    if (freed) this.retryPending();
    if (errors.length) {
      this.pending.add(key);
      if (statusIPs(svc).length) await this.writeStatus(svc, []);
      this.deps.events.record(svc, 'Warning', 'AllocationFailed', `Failed to allocate IP for "${key}": ${errors.join('; ')}`);
      return;
    }
    this.pending.delete(key);
    const have = svc.status?.loadBalancer?.ingress ?? [];
    const mode = this.deps.ipMode ?? 'VIP';
    if (have.length === ips.length && have.every((i, n) => i.ip === ips[n] && i.ipMode === mode)) return;
    await this.writeStatus(svc, ips);
    this.deps.events.record(svc, 'Normal', 'IPAllocated', `Assigned IP [${ips.map((ip) => `"${ip}"`).join(' ')}]`);
  }

  private async writeStatus(svc: Service, ips: string[]): Promise<void> {
    const ingress = ips.length ? ips.map((ip) => ({ ip, ipMode: this.deps.ipMode ?? 'VIP' })) : null;
    await this.deps.client.patch(R.services, svc.metadata.namespace, svc.metadata.name!, 'merge', { status: { loadBalancer: { ingress } } }, { subresource: 'status' });
  }
}
