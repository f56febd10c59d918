// The service CIDRs of a cluster, one per family with the primary first (kube-apiserver's
// --service-cluster-ip-range, our --service-cidr), and the block of each that allocation uses.

import { parseDualStackCIDRs, cidrSize, type CIDR } from '../../../util/cidr.js';

/** kube-apiserver keeps service ranges small: at most 20 host bits (/12 for IPv4, /108 for IPv6). */
const MAX_CIDR_BITS = 20;

/** IPv6 ranges are larger than anyone needs; Kubernetes' bitmap allocator uses only their
 *  first 2^16 addresses, and so do we. */
const MAX_IPV6_RANGE = 65536;

/** The service CIDRs of the flag, validated with kube-apiserver's rules and wording. */
export function parseServiceCIDRs(value: string, flag = '--service-cidr'): CIDR[] {
  const cidrs = parseDualStackCIDRs(flag, value);
  cidrs.forEach((c, i) => {
    if (c.bits - c.prefix > MAX_CIDR_BITS)
      throw new Error(
        `specified ${flag}${i ? `[${i}]` : ''} is too large; for ${c.bits}-bit addresses, the mask must be >= ${c.bits - MAX_CIDR_BITS}`,
      );
  });
  return cidrs;
}

/** The offsets handed out: never the network address; for IPv4 never the broadcast address. */
export function allocatableOffsets(c: CIDR): { first: number; last: number } {
  const size = Number(cidrSize(c));
  return { first: 1, last: c.family === 'IPv4' ? size - 2 : Math.min(size, MAX_IPV6_RANGE) - 1 };
}
