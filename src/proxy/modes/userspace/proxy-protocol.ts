// PROXY protocol headers (haproxy.org/download/2.9/doc/proxy-protocol.txt), written to the
// endpoint before any client byte so a backend that wants it learns the client's address.

import { parseIPv6 } from '../../../util/ip.js';

export type ProxyProtocolVersion = 'v1' | 'v2';

export interface ConnAddrs {
  srcIP: string;
  srcPort: number;
  dstIP: string;
  dstPort: number;
}

/** The v2 signature: \r\n\r\n\0\r\nQUIT\n */
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V2_PROXY_CMD = 0x21;
const V2_TCP4 = 0x11;
const V2_TCP6 = 0x21;

const isV6 = (ip: string): boolean => ip.includes(':');

export function proxyHeader(version: ProxyProtocolVersion, a: ConnAddrs): Buffer {
  const v6 = isV6(a.srcIP) || isV6(a.dstIP);
  if (version === 'v1') {
    return Buffer.from(`PROXY ${v6 ? 'TCP6' : 'TCP4'} ${a.srcIP} ${a.dstIP} ${a.srcPort} ${a.dstPort}\r\n`, 'latin1');
  }
  const addrs = v6 ? Buffer.concat([ipv6Bytes(a.srcIP), ipv6Bytes(a.dstIP)]) : Buffer.from([...ipv4Bytes(a.srcIP), ...ipv4Bytes(a.dstIP)]);
  const head = Buffer.alloc(4);
  head[0] = V2_PROXY_CMD;
  head[1] = v6 ? V2_TCP6 : V2_TCP4;
  head.writeUInt16BE(addrs.length + 4, 2);
  const ports = Buffer.alloc(4);
  ports.writeUInt16BE(a.srcPort, 0);
  ports.writeUInt16BE(a.dstPort, 2);
  return Buffer.concat([V2_SIGNATURE, head, addrs, ports]);
}

const ipv4Bytes = (ip: string): number[] => ip.split('.').map(Number);

function ipv6Bytes(ip: string): Buffer {
  const b = Buffer.alloc(16);
  (parseIPv6(ip) ?? []).forEach((g, i) => b.writeUInt16BE(g, i * 2));
  return b;
}
