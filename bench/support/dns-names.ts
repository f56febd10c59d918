// The Services the DNS benchmarks ask about, shared by the server they start and the hosts file dnsmasq serves.

/** Service svc-i's ClusterIP: 250 per /24 from 127.96.100.1 (room for 10,000 and more). */
export const serviceIP = (i: number): string => `127.96.${100 + Math.floor(i / 250)}.${(i % 250) + 1}`;

/** Its IPv6 ClusterIP: the Services are dual-stack, so AAAA questions hit as A ones do. */
export const serviceIP6 = (i: number): string => `fd00:96::1:${i.toString(16)}`;
