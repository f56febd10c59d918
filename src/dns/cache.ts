// The DNS view of the cluster: informers over Namespaces, Services and EndpointSlices holding
// slim records, plus the indexes answers need (slices by Service, Services by address). Every
// watch event updates them at once, so a new Service resolves as soon as its event arrives,
// and names what changed (`ns:NAME`, `svc:NS/NAME`, `ip:ADDRESS`) so answer caches drop only
// the replies that read it.

import type { Client } from '../client/client.js';
import { R } from '../client/client.js';
import { cacheKey, Informer } from '../client/informer.js';
import {
  toDnsNamespace,
  toDnsService,
  toDnsSlice,
  type DnsNamespace,
  type DnsService,
  type DnsSlice,
} from './objects.js';
import { slimClient } from './slim-client.js';

/** What the records need from the cluster (records.ts); the cache is the one implementation. */
export interface Backend {
  hasSynced(): boolean;
  namespaceExists(namespace: string): boolean;
  service(namespace: string, name: string): DnsService | undefined;
  slices(namespace: string, service: string): DnsSlice[];
  /** Services whose cluster IP or one of whose endpoints has this address. */
  servicesByIP(ip: string): DnsService[];
  /** The SOA serial: when the cluster view last changed, in seconds since the epoch. */
  serial(): number;
}

/** Who carries an address: nearly always one object (a Map costs ~200 bytes, per IP of every
 *  Service at 10,000 Services), a Map of owner → Service key once several share it. */
type IPOwners = { owner: string; svcKey: string } | Map<string, string>;

export class DnsCache implements Backend {
  private readonly namespaces: Informer<DnsNamespace>;
  private readonly services: Informer<DnsService>;
  private readonly endpointSlices: Informer<DnsSlice>;
  /** `ns/service` → keys of its slices. */
  private readonly slicesOf = new Map<string, Set<string>>();
  /** address → the objects carrying it (a Service by its key, a slice as `slice:` key) → their Service's key. */
  private readonly byIP = new Map<string, IPOwners>();
  private lastChange = Math.floor(Date.now() / 1000);
  private readonly listeners: ((changed: string[]) => void)[] = [];

  constructor(client: Client) {
    this.namespaces = new Informer<DnsNamespace>(slimClient(client, toDnsNamespace), R.namespaces);
    this.services = new Informer<DnsService>(slimClient(client, toDnsService), R.services);
    this.endpointSlices = new Informer<DnsSlice>(slimClient(client, toDnsSlice), R.endpointSlices);
    const ns = (n: DnsNamespace): void => this.changed([`ns:${n.metadata.name}`]);
    this.namespaces.on({ add: ns, update: (_, n) => ns(n), delete: ns });
    this.services.on({
      add: (s) => this.indexService(s, true),
      update: (old, s) => (this.indexService(old, false), this.indexService(s, true)),
      delete: (s) => this.indexService(s, false),
    });
    this.endpointSlices.on({
      add: (s) => this.indexSlice(s, true),
      update: (old, s) => (this.indexSlice(old, false), this.indexSlice(s, true)),
      delete: (s) => this.indexSlice(s, false),
    });
  }

  /** Starts the informers; resolves when all three have synced. */
  async start(): Promise<void> {
    await Promise.all([this.namespaces.start(), this.services.start(), this.endpointSlices.start()]);
  }

  stop(): void {
    this.namespaces.stop();
    this.services.stop();
    this.endpointSlices.stop();
  }

  /** Calls fn after every change of the cluster view with what changed (answer caches drop those entries). */
  onChange(fn: (changed: string[]) => void): void {
    this.listeners.push(fn);
  }

  hasSynced(): boolean {
    return this.namespaces.hasSynced() && this.services.hasSynced() && this.endpointSlices.hasSynced();
  }

  namespaceExists(namespace: string): boolean {
    return this.namespaces.get(undefined, namespace) !== undefined;
  }

  service(namespace: string, name: string): DnsService | undefined {
    return this.services.get(namespace, name);
  }

  slices(namespace: string, service: string): DnsSlice[] {
    const keys = this.slicesOf.get(`${namespace}/${service}`);
    if (!keys) return [];
    const out: DnsSlice[] = [];
    for (const key of keys) {
      const slice = this.endpointSlices.get(namespace, key.slice(namespace.length + 1));
      if (slice) out.push(slice);
    }
    return out;
  }

  servicesByIP(ip: string): DnsService[] {
    const owners = this.byIP.get(ip);
    if (!owners) return [];
    const out = new Set<DnsService>();
    for (const svcKey of owners instanceof Map ? owners.values() : [owners.svcKey]) {
      const [ns, name] = svcKey.split('/');
      const svc = this.services.get(ns, name);
      if (svc) out.add(svc);
    }
    return [...out];
  }

  serial(): number {
    return this.lastChange;
  }

  private indexService(s: DnsService, add: boolean): void {
    const key = cacheKey(s);
    // A Service owns its ClusterIPs under its own key (no `:` in it, unlike a slice's `slice:…`).
    for (const ip of s.clusterIPs) this.indexIP(ip, key, key, add);
    this.changed([`svc:${key}`, ...s.clusterIPs.map((ip) => `ip:${ip}`)]);
  }

  private indexSlice(s: DnsSlice, add: boolean): void {
    if (!s.service) return;
    const key = cacheKey(s);
    const svcKey = `${s.metadata.namespace}/${s.service}`;
    let keys = this.slicesOf.get(svcKey);
    if (add) {
      if (!keys) this.slicesOf.set(svcKey, (keys = new Set()));
      keys.add(key);
    } else if (keys) {
      keys.delete(key);
      if (keys.size === 0) this.slicesOf.delete(svcKey);
    }
    const changed = [`svc:${svcKey}`];
    const owner = `slice:${key}`;
    for (const e of s.endpoints) {
      for (const ip of e.addresses) {
        this.indexIP(ip, owner, svcKey, add);
        changed.push(`ip:${ip}`);
      }
    }
    this.changed(changed);
  }

  private indexIP(ip: string, owner: string, svcKey: string, add: boolean): void {
    const owners = this.byIP.get(ip);
    if (add) {
      if (owners === undefined || (!(owners instanceof Map) && owners.owner === owner)) this.byIP.set(ip, { owner, svcKey });
      else if (owners instanceof Map) owners.set(owner, svcKey);
      else this.byIP.set(ip, new Map([[owners.owner, owners.svcKey], [owner, svcKey]]));
    } else if (owners instanceof Map) {
      owners.delete(owner);
      if (owners.size === 0) this.byIP.delete(ip);
    } else if (owners?.owner === owner) this.byIP.delete(ip);
  }

  private changed(what: string[]): void {
    this.lastChange = Math.floor(Date.now() / 1000);
    for (const fn of this.listeners) fn(what);
  }
}
