// Pod IPs from the node's podCIDR. The network address, the gateway (.1, the node's side), the
// broadcast address, and any address ending in .0 or .255 (they look reserved to people and
// to some tools) are never handed out. Which IP a pod holds is recovered
// from the pods' own status when the agent starts again, so a restarted agent keeps every
// pod's address and never gives one address twice.

import { addressAt, offsetOf, parseIPv4CIDR, type IPv4CIDR } from '../util/ip.js';

export class PodIPAllocator {
  private readonly cidr: IPv4CIDR;
  /** ip → pod uid */
  private readonly owners = new Map<string, string>();
  private nextOffset = 2;

  constructor(podCIDR: string) {
    const cidr = parseIPv4CIDR(podCIDR);
    if (!cidr || cidr.size < 4) throw new Error(`pod CIDR ${podCIDR} is not an IPv4 CIDR with room for pods`);
    this.cidr = cidr;
  }

  private usable(ip: string): boolean {
    const off = offsetOf(this.cidr, ip);
    const last = Number(ip.slice(ip.lastIndexOf('.') + 1));
    return off !== undefined && off >= 2 && off < this.cidr.size - 1 && last !== 0 && last !== 255;
  }

  /** The pod's IP: the one it already holds (its status, after an agent restart) when that
   *  is still free, otherwise the next free one; undefined when the CIDR is full. */
  allocate(uid: string, previous?: string): string | undefined {
    for (const [ip, owner] of this.owners) if (owner === uid) return ip;
    if (previous && this.usable(previous) && !this.owners.has(previous)) {
      this.owners.set(previous, uid);
      return previous;
    }
    const span = this.cidr.size - 3;
    // Round-robin from the last allocation, so a freed address is not reused at once.
    for (let i = 0; i < span; i++) {
      const off = 2 + ((this.nextOffset - 2 + i) % span);
      const ip = addressAt(this.cidr, off);
      if (this.usable(ip) && !this.owners.has(ip)) {
        this.owners.set(ip, uid);
        this.nextOffset = off + 1;
        return ip;
      }
    }
    return undefined;
  }

  release(uid: string): void {
    for (const [ip, owner] of this.owners) if (owner === uid) this.owners.delete(ip);
  }
}
