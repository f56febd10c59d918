// LoadBalancer address pools, as MetalLB's IPAddressPools: each a CIDR (`127.240.0.0/24`; an IPv4
// CIDR's network and broadcast addresses are left out, as MetalLB's avoidBuggyIPs does, so the
// first Service gets .1) or an inclusive range (`127.240.1.10-127.240.1.20`, taken as given), of
// either family (`fd00:240::/120`); a dual-stack Service gets one address per family.

import { formatIP, ipToBigInt, parseCIDR, cidrSize } from '../../util/cidr.js';
import type { IPFamily } from '../../util/ip.js';

export const DEFAULT_LB_POOL = '127.240.0.0/24';

export interface Pool {
  /** As configured, for messages. */
  text: string;
  family: IPFamily;
  first: bigint;
  last: bigint;
}

/** Throws an Error naming the bad pool. */
export function parsePool(text: string): Pool {
  const s = text.trim();
  if (s.includes('/')) {
    const cidr = parseCIDR(s);
    // A /31 or /32 has no network or broadcast address to avoid.
    const edge = cidr?.family === 'IPv4' && cidr.prefix <= 30 ? 1n : 0n;
    if (cidr) return { text: s, family: cidr.family, first: cidr.network + edge, last: cidr.network + cidrSize(cidr) - 1n - edge };
  } else {
    const [a, b, extra] = s.split('-').map((x) => x.trim());
    const first = ipToBigInt(a ?? '');
    const last = ipToBigInt(b ?? '');
    if (extra === undefined && first && last && first.family === last.family && first.n <= last.n)
      return { text: s, family: first.family, first: first.n, last: last.n };
  }
  throw new Error(`--lb-pool: "${text}" is neither a CIDR nor a range like 127.240.1.10-127.240.1.20`);
}

export const inPools = (pools: Pool[], ip: string): boolean => {
  const a = ipToBigInt(ip);
  return !!a && pools.some((p) => p.family === a.family && a.n >= p.first && a.n <= p.last);
};

/** Every address of the pools, in order (lazily: an IPv6 pool may be vast). */
export function* poolAddresses(pools: Pool[]): Generator<string> {
  for (const p of pools) for (let n = p.first; n <= p.last; n++) yield formatIP(p.family, n);
}
