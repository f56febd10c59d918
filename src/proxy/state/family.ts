// One proxier per IP family, as kube-proxy's MetaProxier: each family's datapath sees only its
// own share of the state — the Service addresses, endpoints and node addresses of that family —
// with the verdicts decided again on what remains (a dual-stack Service whose IPv6 endpoints
// are all gone rejects on its IPv6 ClusterIP while its IPv4 one still forwards).

import { isIPv4, isIPv6 } from 'node:net';
import { planAddresses } from './categorize.js';
import type { ServicePortState } from './types.js';

export type IPFamilyName = 'IPv4' | 'IPv6';

export interface IPFamily {
  name: IPFamilyName;
  has(ip: string): boolean;
}

export const IPV4: IPFamily = { name: 'IPv4', has: (ip) => isIPv4(ip) };
export const IPV6: IPFamily = { name: 'IPv6', has: (ip) => isIPv6(ip) };

/** The family of an address or CIDR (`fd00::/64` → IPv6). */
export const familyOf = (ipOrCIDR: string): IPFamily => (isIPv6(ipOrCIDR.split('/')[0]!) ? IPV6 : IPV4);


/**
 * One service port as the `family` proxier sees it. Unchanged (the same object) when every
 * address is of that family, so the modes' identity-based change detection keeps working.
 */
export function familyPort(sp: ServicePortState, nodePortIPs: string[], family: IPFamily): ServicePortState {
  const svc = sp.service;
  const ips = [...svc.clusterIPs, ...svc.externalIPs, ...svc.loadBalancerIPs, ...sp.endpoints.map((e) => e.ip), ...(svc.nodePort ? nodePortIPs : [])];
  if (ips.every((ip) => family.has(ip))) return sp;
  const only = (list: string[]): string[] => list.filter((ip) => family.has(ip));
  const service = { ...svc, clusterIPs: only(svc.clusterIPs), externalIPs: only(svc.externalIPs), loadBalancerIPs: only(svc.loadBalancerIPs) };
  // A Service without a ClusterIP of this family is not this proxier's at all.
  if (!service.clusterIPs.length) return { service, endpoints: [], addresses: [] };
  const endpoints = sp.endpoints.filter((e) => family.has(e.ip));
  return { service, endpoints, addresses: planAddresses(service, endpoints, only(nodePortIPs)) };
}
