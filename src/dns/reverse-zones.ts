// The reverse zones of the cluster's CIDRs (CoreDNS's `kubernetes cluster.local 10.96.0.0/12
// fd00:96::/108` form): `96.127.in-addr.arpa` for 127.96.0.0/16, 28 nibbles under ip6.arpa for
// a /112. A prefix between boundaries (an octet for IPv4, a nibble for IPv6) covers several
// zones, as CoreDNS splits it: 10.96.0.0/12 is 96.10 … 111.10.in-addr.arpa.

import net from 'node:net';
import { canonicalIPv6 } from './parse.js';

/** Zone names, lower case without the trailing dot; throws on text that is no CIDR. */
export function reverseZones(cidr: string): string[] {
  const [ip, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  const v6 = net.isIPv6(ip);
  if ((!v6 && !net.isIPv4(ip)) || !/^\d+$/.test(bitsText ?? '') || bits > (v6 ? 128 : 32)) throw new Error(`${cidr} is not a CIDR`);
  // Digits of one reverse label each: octets for in-addr.arpa, nibbles for ip6.arpa.
  const width = v6 ? 4 : 8;
  const digits = v6 ? [...ipv6Hex(ip)].map((h) => parseInt(h, 16)) : ip.split('.').map(Number);
  const whole = Math.ceil(bits / width);
  const spare = whole * width - bits; // low bits of the last digit the prefix leaves free
  const label = (d: number): string => (v6 ? d.toString(16) : String(d));
  const suffix = v6 ? 'ip6.arpa' : 'in-addr.arpa';
  if (whole === 0) return [suffix];
  const fixed = digits.slice(0, whole - 1).map(label);
  const first = digits[whole - 1] & ~((1 << spare) - 1);
  return Array.from({ length: 1 << spare }, (_, i) => [...fixed, label(first + i)].reverse().concat(suffix).join('.'));
}

/** The 32 hex digits of an IPv6 address. */
function ipv6Hex(ip: string): string {
  const canonical = canonicalIPv6(ip)!;
  const [head, tail] = canonical.split('::').map((part) => (part ? part.split(':') : []));
  const groups = tail ? [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail] : head;
  return groups.map((g) => g.padStart(4, '0')).join('');
}
