// Which LoadBalancer address each Service holds: the decisions of the pool allocator, pure and
// in memory (the addresses themselves live in the Services' status, read back at start).
// Several Services may hold one address when they carry the same sharing key, their ports
// don't clash, and traffic policy allows it (both Cluster, or the same pods) — MetalLB's rules.

import { inPools, poolAddresses, type Pool } from './pools.js';

export interface LBRequest {
  /** `namespace/name` */
  key: string;
  /** A specific address asked for (spec.loadBalancerIP or an annotation); empty: any. */
  requested?: string;
  sharingKey?: string;
  ports: { port: number; protocol: string }[];
  externalTrafficPolicy: string;
  /** The selector as text: Local-policy Services share only when they select the same pods. */
  selector: string;
}

export type Allocation = { ip: string } | { error: string };

export class Allocator {
  private readonly held = new Map<string, { ip: string; req: LBRequest }>();
  private readonly users = new Map<string, Set<string>>();

  constructor(private readonly pools: Pool[]) {}

  ipOf(key: string): string | undefined {
    return this.held.get(key)?.ip;
  }

  isFree(ip: string): boolean {
    return !this.users.has(ip);
  }

  /** Takes exactly `ip` if the rules allow it (restoring an assignment from status). */
  restore(req: LBRequest, ip: string): boolean {
    if (!inPools(this.pools, ip) || this.conflict(req, ip) || (req.requested && req.requested !== ip)) return false;
    this.take(req, ip);
    return true;
  }

  /** Keeps the Service's address if it is still valid, else picks one: `preferred` (its status)
   *  first, then an address already shared under its sharing key, then the lowest free one. */
  assign(req: LBRequest, preferred?: string): Allocation {
    const current = this.held.get(req.key);
    this.release(req.key);
    if (req.requested) {
      if (!inPools(this.pools, req.requested)) return { error: `["${req.requested}"] is not allowed in config` };
      const conflict = this.conflict(req, req.requested);
      if (conflict) return { error: `can't use "${req.requested}": ${conflict}` };
      return this.take(req, req.requested);
    }
    for (const ip of [current?.ip, preferred]) if (ip && inPools(this.pools, ip) && !this.conflict(req, ip)) return this.take(req, ip);
    if (req.sharingKey) {
      for (const ip of this.users.keys()) if (inPools(this.pools, ip) && !this.conflict(req, ip)) return this.take(req, ip);
    }
    for (const ip of poolAddresses(this.pools)) if (!this.users.has(ip)) return this.take(req, ip);
    return { error: 'no available IPs' };
  }

  /** Returns true when this freed an address entirely. */
  release(key: string): boolean {
    const held = this.held.get(key);
    if (!held) return false;
    this.held.delete(key);
    const users = this.users.get(held.ip)!;
    users.delete(key);
    if (users.size) return false;
    this.users.delete(held.ip);
    return true;
  }

  private take(req: LBRequest, ip: string): Allocation {
    this.held.set(req.key, { ip, req });
    let users = this.users.get(ip);
    if (!users) this.users.set(ip, (users = new Set()));
    users.add(req.key);
    return { ip };
  }

  /** Why `req` may not use `ip` next to the Services already on it; undefined if it may. */
  private conflict(req: LBRequest, ip: string): string | undefined {
    for (const other of this.users.get(ip) ?? []) {
      if (other === req.key) continue;
      const o = this.held.get(other)!.req;
      if (!req.sharingKey || o.sharingKey !== req.sharingKey) return `in use by "${other}" with a different sharing key`;
      const clash = req.ports.find((p) => o.ports.some((q) => q.port === p.port && q.protocol === p.protocol));
      if (clash) return `port ${clash.port}/${clash.protocol} is already used by "${other}"`;
      const local = req.externalTrafficPolicy === 'Local' || o.externalTrafficPolicy === 'Local';
      if (local && o.selector !== req.selector) return `"${other}" selects other pods and one of them has externalTrafficPolicy Local`;
    }
    return undefined;
  }
}
