// CIDR math for either family, IPv6 included: a node's pod CIDR carved out of a cluster CIDR, the
// address at an offset and back. ip.ts keeps IPv4 as plain numbers for the allocators; 128-bit
// IPv6 needs BigInt. Written by hand: a few lines, where a library would be a dependency for them.

import { parseIPv4, parseIPv6, type IPFamily } from './ip.js';

/** A network of either family: `fd00:10:244::/56` is { family: 'IPv6', network: 0xfd00…n, prefix: 56 }. */
export interface AnyCIDR {
  family: IPFamily;
  network: bigint;
  prefix: number;
}

const bitsOf = (family: IPFamily): number => (family === 'IPv4' ? 32 : 128);

/** An address of either family as a number, or undefined. */
export function ipToBigInt(s: string): { family: IPFamily; n: bigint } | undefined {
  const v4 = parseIPv4(s);
  if (v4 !== undefined) return { family: 'IPv4', n: BigInt(v4) };
  const groups = parseIPv6(s);
  if (!groups) return undefined;
  return { family: 'IPv6', n: groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n) };
}

/** RFC 5952 text: lowercase, no leading zeros, the longest run of two or more zero groups as `::`. */
export function formatIP(family: IPFamily, n: bigint): string {
  if (family === 'IPv4') return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = { at: -1, len: 1 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (best.at < 0) return hex(groups);
  return `${hex(groups.slice(0, best.at))}::${hex(groups.slice(best.at + best.len))}`;
}

/** A CIDR of either family; the address bits beyond the prefix are dropped. */
export function parseAnyCIDR(s: string): AnyCIDR | undefined {
  const [addr, bits, extra] = s.split('/');
  if (extra !== undefined || bits === undefined || !/^[0-9]{1,3}$/.test(bits)) return undefined;
  const ip = ipToBigInt(addr!);
  const prefix = Number(bits);
  if (!ip || prefix > bitsOf(ip.family)) return undefined;
  const host = (1n << BigInt(bitsOf(ip.family) - prefix)) - 1n;
  return { family: ip.family, network: ip.n & ~host, prefix };
}

export const formatAnyCIDR = (c: AnyCIDR): string => `${formatIP(c.family, c.network)}/${c.prefix}`;

/** How many addresses the CIDR holds. */
export const cidrSize = (c: AnyCIDR): bigint => 1n << BigInt(bitsOf(c.family) - c.prefix);

/** The address `offset` addresses after the network address. */
export const ipAt = (c: AnyCIDR, offset: number | bigint): string => formatIP(c.family, c.network + BigInt(offset));

/** How far `ip` is from the network address; undefined outside the CIDR or another family. */
export function ipOffset(c: AnyCIDR, ip: string): bigint | undefined {
  const a = ipToBigInt(ip);
  if (!a || a.family !== c.family || a.n < c.network || a.n >= c.network + cidrSize(c)) return undefined;
  return a.n - c.network;
}

/** The `index`-th subnet of length `prefix` inside `c` (node i's pod CIDR in the cluster CIDR). */
export function subnetAt(c: AnyCIDR, prefix: number, index: number): AnyCIDR | undefined {
  if (prefix < c.prefix || prefix > bitsOf(c.family) || index < 0 || BigInt(index) >= 1n << BigInt(prefix - c.prefix)) return undefined;
  return { family: c.family, network: c.network + (BigInt(index) << BigInt(bitsOf(c.family) - prefix)), prefix };
}
