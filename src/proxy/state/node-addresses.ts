// Which local addresses NodePorts listen on (kube-proxy's --nodeport-addresses): the node's
// IPs by default; with CIDRs, every local interface address inside one of them.

import { parseIPv4, parseIPv4CIDR } from '../../util/ip.js';

export function nodePortIPs(cidrs: string[] | undefined, nodeIPs: string[], interfaceIPs: string[]): string[] {
  if (!cidrs?.length) return [...new Set(nodeIPs)].sort();
  const nets = cidrs.map((c) => {
    const net = parseIPv4CIDR(c);
    if (!net) throw new Error(`invalid --nodeport-addresses CIDR ${JSON.stringify(c)} (IPv4 CIDRs only)`);
    return net;
  });
  const inside = (ip: string): boolean => {
    const n = parseIPv4(ip);
    return n !== undefined && nets.some((c) => n >= c.network && n < c.network + c.size);
  };
  return [...new Set([...interfaceIPs, ...nodeIPs].filter(inside))].sort();
}
