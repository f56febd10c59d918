// Pod IPs from the node's podCIDRs, one per family, primary first. A pod gets the address at
// the same offset in every family (10.244.1.5 and fd00:10:244:1::5): one counter keeps both
// families from handing an address out twice, and a user reads the pair at a glance. The network
// address, the gateway (offset 1, the node's side), the IPv4 broadcast address, and any offset
// whose IPv4 address ends in .0 or .255 (they look reserved to people and to some tools) are
// never handed out. Which offset a pod holds is recovered from the pods' own status when the
// agent starts again, so a restarted agent keeps every pod's addresses and never gives one twice.

import { cidrSize, cidrAddressAt, cidrOffset, parseCIDR, type CIDR } from '../util/cidr.js';

/** Offsets beyond this are never used: a /64 would otherwise be an endless round. */
const MAX_SPAN = 2 ** 24;

export class PodIPAllocator {
  private readonly cidrs: CIDR[];
  /** Offsets handed out: 2 … size - 2. */
  private readonly size: number;
  /** offset → pod uid */
  private readonly owners = new Map<number, string>();
  private nextOffset = 2;

  constructor(podCIDRs: string[]) {
    this.cidrs = podCIDRs.map((c) => {
      const cidr = parseCIDR(c);
      if (!cidr || cidrSize(cidr) < 4n) throw new Error(`pod CIDR ${c} is not a CIDR with room for pods`);
      return cidr;
    });
    if (!this.cidrs.length) throw new Error('no pod CIDR');
    this.size = Math.min(MAX_SPAN, ...this.cidrs.map((c) => Number(cidrSize(c) > BigInt(MAX_SPAN) ? MAX_SPAN : cidrSize(c))));
  }

  private usable(off: number): boolean {
    if (off < 2 || off >= this.size - 1) return false;
    const v4 = this.cidrs.find((c) => c.family === 'IPv4');
    if (!v4) return true;
    const ip = cidrAddressAt(v4, off);
    const last = Number(ip.slice(ip.lastIndexOf('.') + 1));
    return last !== 0 && last !== 255;
  }

  private addresses(off: number): string[] {
    return this.cidrs.map((c) => cidrAddressAt(c, off));
  }

  /** The pod's IPs: the ones it already holds (its status.podIPs, after an agent restart) when
   *  still free, otherwise the next free offset's; undefined when the CIDRs are full. */
  allocate(uid: string, previous: string[] = []): string[] | undefined {
    for (const [off, owner] of this.owners) if (owner === uid) return this.addresses(off);
    for (const ip of previous) {
      const off = this.offsetOf(ip);
      if (off !== undefined && this.usable(off) && !this.owners.has(off)) {
        this.owners.set(off, uid);
        return this.addresses(off);
      }
    }
    const span = this.size - 3;
    // Round-robin from the last allocation, so a freed address is not reused at once.
    for (let i = 0; i < span; i++) {
      const off = 2 + ((this.nextOffset - 2 + i) % span);
      if (this.usable(off) && !this.owners.has(off)) {
        this.owners.set(off, uid);
        this.nextOffset = off + 1;
        return this.addresses(off);
      }
    }
    return undefined;
  }

  private offsetOf(ip: string): number | undefined {
    for (const c of this.cidrs) {
      const off = cidrOffset(c, ip);
      if (off !== undefined) return off < BigInt(this.size) ? Number(off) : undefined;
    }
    return undefined;
  }

  release(uid: string): void {
    for (const [off, owner] of this.owners) if (owner === uid) this.owners.delete(off);
  }
}
