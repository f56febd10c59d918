// CIDRs of either family, for the allocators that hand out addresses in both (service ClusterIPs,
// LoadBalancer pools, pod IPs) and for carving nodes' pod CIDRs out of a cluster CIDR. Addresses are BigInts so that IPv6 needs no special case; ip.ts keeps the
// IPv4-only number form its callers use. Written by hand (with Go's net.IP canonical form) since
// Node has no IPv6 formatter and the job is a few lines.

import { parseIPv4, parseIPv6, formatIPv4, type IPFamily } from './ip.js';

export interface CIDR {
  family: IPFamily;
  /** The network address. */
  network: bigint;
  prefix: number;
  /** 32 or 128. */
  bits: number;
}

/** An address of either family as a number; undefined when it is neither. */
export function ipToBigInt(s: string): { family: IPFamily; n: bigint } | undefined {
  const v4 = parseIPv4(s);
  if (v4 !== undefined) return { family: 'IPv4', n: BigInt(v4) };
  const g = parseIPv6(s);
  if (!g) return undefined;
  return { family: 'IPv6', n: g.reduce((acc, x) => (acc << 16n) | BigInt(x), 0n) };
}

/** RFC 5952 text (as Go prints it): lower case, no leading zeros, the longest run of two or more
 *  zero groups (the first of equal runs) as `::`. */
export function formatIPv6(n: bigint): string {
  const g = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(':');
  return best < 0 ? hex(g) : `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

export function formatIP(family: IPFamily, n: bigint): string {
  return family === 'IPv4' ? formatIPv4(Number(n)) : formatIPv6(n);
}

/** The canonical text of an address (`fd00:0::0a` is `fd00::a`), or undefined. */
export function canonicalIP(s: string): string | undefined {
  const ip = ipToBigInt(s);
  return ip && formatIP(ip.family, ip.n);
}

/** A CIDR of either family; address bits beyond the prefix are dropped. */
export function parseCIDR(s: string): CIDR | undefined {
  const [addr, bits, extra] = s.split('/');
  if (extra !== undefined || bits === undefined || !/^[0-9]{1,3}$/.test(bits)) return undefined;
  const ip = ipToBigInt(addr);
  if (!ip) return undefined;
  const width = ip.family === 'IPv4' ? 32 : 128;
  const prefix = Number(bits);
  if (prefix > width) return undefined;
  const host = BigInt(width - prefix);
  return { family: ip.family, network: (ip.n >> host) << host, prefix, bits: width };
}

export function formatCIDRText(c: CIDR): string {
  return `${formatIP(c.family, c.network)}/${c.prefix}`;
}

/** Number of addresses in the CIDR (network and broadcast included). */
export const cidrSize = (c: CIDR): bigint => 1n << BigInt(c.bits - c.prefix);

export function cidrAddressAt(c: CIDR, offset: number | bigint): string {
  return formatIP(c.family, c.network + BigInt(offset));
}

/** How far `ip` is from the network address; undefined outside the CIDR or another family. */
export function cidrOffset(c: CIDR, ip: string): bigint | undefined {
  const a = ipToBigInt(ip);
  if (!a || a.family !== c.family || a.n < c.network || a.n >= c.network + cidrSize(c)) return undefined;
  return a.n - c.network;
}

/** cidrOffset as a number; also undefined further than a JavaScript number counts exactly. */
export function cidrOffsetOf(c: CIDR, ip: string): number | undefined {
  const d = cidrOffset(c, ip);
  return d !== undefined && d <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(d) : undefined;
}

/** The `index`-th subnet of length `prefix` inside `c` (node i's pod CIDR in the cluster CIDR). */
export function subnetAt(c: CIDR, prefix: number, index: number): CIDR | undefined {
  if (prefix < c.prefix || prefix > c.bits || index < 0 || BigInt(index) >= 1n << BigInt(prefix - c.prefix)) return undefined;
  return { family: c.family, network: c.network + (BigInt(index) << BigInt(c.bits - prefix)), prefix, bits: c.bits };
}

/** A comma-separated list of one or two CIDRs of different families (kube-apiserver's
 *  --service-cluster-ip-range, kube-controller-manager's --cluster-cidr); errors name `flag`. */
export function parseDualStackCIDRs(flag: string, value: string): CIDR[] {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.length > 2) throw new Error(`${flag} must not contain more than two entries`);
  const cidrs = parts.map((p, i) => {
    const c = parseCIDR(p);
    if (!c) throw new Error(`${flag}[${i}] "${p}" is not a valid cidr`);
    return c;
  });
  if (cidrs.length === 2 && cidrs[0].family === cidrs[1].family)
    throw new Error(`${flag}[0] and ${flag}[1] must be of different IP family`);
  return cidrs;
}
