// Which local addresses NodePorts listen on (kube-proxy's --nodeport-addresses): the node's
// IPs by default; with CIDRs (either family), every local interface address inside one of them.

import { BlockList, isIP } from 'node:net';

export function nodePortIPs(cidrs: string[] | undefined, nodeIPs: string[], interfaceIPs: string[]): string[] {
  if (!cidrs?.length) return [...new Set(nodeIPs)].sort();
  const nets = new BlockList();
  for (const c of cidrs) {
    const [ip, bits] = c.split('/');
    const family = isIP(ip ?? '');
    const prefix = Number(bits);
    if (!family || !/^\d+$/.test(bits ?? '') || prefix > (family === 4 ? 32 : 128)) throw new Error(`invalid --nodeport-addresses CIDR ${JSON.stringify(c)}`);
    nets.addSubnet(ip!, prefix, family === 4 ? 'ipv4' : 'ipv6');
  }
  const inside = (ip: string): boolean => isIP(ip) !== 0 && nets.check(ip, isIP(ip) === 4 ? 'ipv4' : 'ipv6');
  return [...new Set([...interfaceIPs, ...nodeIPs].filter(inside))].sort();
}
