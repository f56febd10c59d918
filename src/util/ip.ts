// IP addresses and IPv4 CIDRs as the service allocator and API validation need them.
// IPv4 addresses are plain unsigned 32-bit numbers; IPv6 is parsed only to classify addresses.

export type IPFamily = 'IPv4' | 'IPv6';

/** An IPv4 network: `10.96.0.0/12` is { network: 0x0a600000, prefix: 12, size: 1048576 }. */
export interface IPv4CIDR {
  network: number;
  prefix: number;
  /** Number of addresses, network and broadcast included. */
  size: number;
}

/** Dotted quad to number. Leading zeros are read as decimal, as Go's ParseIPSloppy does. */
export function parseIPv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p)) return undefined;
    const octet = Number(p);
    if (octet > 255) return undefined;
    n = n * 256 + octet;
  }
  return n;
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Eight 16-bit groups, or undefined. Accepts `::` compression and a dotted IPv4 tail. */
export function parseIPv6(s: string): number[] | undefined {
  if (!s.includes(':')) return undefined;
  let text = s;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = parseIPv4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail.push(v4 >>> 16, v4 & 0xffff);
    // Keep a `::` that ends right before the IPv4 part; drop a single separating colon.
    const head = text.slice(0, lastColon + 1);
    text = head.endsWith('::') ? head : head.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !rest) return undefined;
  const explicit = head.length + rest.length + tail.length;
  if (halves.length === 1 ? explicit !== 8 : explicit > 7) return undefined;
  return [...head, ...new Array<number>(8 - explicit).fill(0), ...rest, ...tail];
}

export function ipFamilyOf(s: string): IPFamily | undefined {
  if (parseIPv4(s) !== undefined) return 'IPv4';
  if (parseIPv6(s) !== undefined) return 'IPv6';
  return undefined;
}

/** An IPv4 CIDR; the address bits beyond the prefix are dropped (`10.0.0.5/24` is 10.0.0.0/24). */
export function parseIPv4CIDR(s: string): IPv4CIDR | undefined {
  const [addr, bits, extra] = s.split('/');
  if (extra !== undefined || bits === undefined || !/^[0-9]{1,2}$/.test(bits)) return undefined;
  const prefix = Number(bits);
  const ip = parseIPv4(addr);
  if (ip === undefined || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  return { network: ip - (ip % size), prefix, size };
}

export function formatCIDR(c: IPv4CIDR): string {
  return `${formatIPv4(c.network)}/${c.prefix}`;
}

/** The address `offset` addresses after the network address. */
export function addressAt(c: IPv4CIDR, offset: number): string {
  return formatIPv4(c.network + offset);
}

/** How far `ip` is from the network address, or undefined when it is outside the CIDR. */
export function offsetOf(c: IPv4CIDR, ip: string): number | undefined {
  const n = parseIPv4(ip);
  if (n === undefined || n < c.network || n >= c.network + c.size) return undefined;
  return n - c.network;
}

// Classes of addresses that make no sense as a Service's external IP (Go's net.IP predicates;
// IPv4-mapped IPv6 addresses count as the IPv4 address they carry).

function v4View(s: string): number | undefined {
  const v4 = parseIPv4(s);
  if (v4 !== undefined) return v4;
  const g = parseIPv6(s);
  if (g && g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return g[6] * 0x10000 + g[7];
  return undefined;
}

const inV4 = (ip: number, net: string, prefix: number): boolean => {
  const size = 2 ** (32 - prefix);
  const base = parseIPv4(net) as number;
  return ip >= base && ip < base + size;
};

export function isUnspecifiedIP(s: string): boolean {
  const v4 = v4View(s);
  if (v4 !== undefined) return v4 === 0;
  return parseIPv6(s)?.every((x) => x === 0) ?? false;
}

export function isLoopbackIP(s: string): boolean {
  const v4 = v4View(s);
  if (v4 !== undefined) return inV4(v4, '127.0.0.0', 8);
  const g = parseIPv6(s);
  return !!g && g.slice(0, 7).every((x) => x === 0) && g[7] === 1;
}

export function isLinkLocalUnicastIP(s: string): boolean {
  const v4 = v4View(s);
  if (v4 !== undefined) return inV4(v4, '169.254.0.0', 16);
  const g = parseIPv6(s);
  return !!g && (g[0] & 0xffc0) === 0xfe80;
}

export function isLinkLocalMulticastIP(s: string): boolean {
  const v4 = v4View(s);
  if (v4 !== undefined) return inV4(v4, '224.0.0.0', 24);
  const g = parseIPv6(s);
  return !!g && (g[0] & 0xff0f) === 0xff02;
}

/** Either family's CIDR notation (Go's ParseCIDRSloppy accepts it). */
export function isValidCIDR(s: string): boolean {
  if (parseIPv4CIDR(s)) return true;
  const [addr, bits, extra] = s.split('/');
  return extra === undefined && bits !== undefined && /^[0-9]{1,3}$/.test(bits) && Number(bits) <= 128 && !!parseIPv6(addr);
}

/** `ip:port`, with an IPv6 address in brackets (Go's net.JoinHostPort). */
export const joinHostPort = (ip: string, port: number): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
