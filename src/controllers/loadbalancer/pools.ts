// LoadBalancer address pools, as MetalLB's IPAddressPools: each a CIDR (`127.240.0.0/24`; its
// network and broadcast addresses are left out, as MetalLB's avoidBuggyIPs does, so the first
// Service gets .1) or an inclusive range (`127.240.1.10-127.240.1.20`, taken as given).
// IPv4 only, as tinykube's networks are.

import { formatIPv4, parseIPv4, parseIPv4CIDR } from '../../util/ip.js';

export const DEFAULT_LB_POOL = '127.240.0.0/24';

export interface Pool {
  /** As configured, for messages. */
  text: string;
  first: number;
  last: number;
}

/** Throws an Error naming the bad pool. */
export function parsePool(text: string): Pool {
  const s = text.trim();
  if (s.includes('/')) {
    const cidr = parseIPv4CIDR(s);
    // A /31 or /32 has no network or broadcast address to avoid.
    const edge = cidr && cidr.prefix <= 30 ? 1 : 0;
    if (cidr) return { text: s, first: cidr.network + edge, last: cidr.network + cidr.size - 1 - edge };
  } else {
    const [a, b, extra] = s.split('-').map((x) => x.trim());
    const first = parseIPv4(a ?? '');
    const last = parseIPv4(b ?? '');
    if (extra === undefined && first !== undefined && last !== undefined && first <= last) return { text: s, first, last };
  }
  throw new Error(`--lb-pool: "${text}" is neither an IPv4 CIDR nor a range like 127.240.1.10-127.240.1.20`);
}

export const inPools = (pools: Pool[], ip: string): boolean => {
  const n = parseIPv4(ip);
  return n !== undefined && pools.some((p) => n >= p.first && n <= p.last);
};

/** Every address of the pools, in order. */
export function* poolAddresses(pools: Pool[]): Generator<string> {
  for (const p of pools) for (let n = p.first; n <= p.last; n++) yield formatIPv4(n);
}
