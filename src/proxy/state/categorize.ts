// Which endpoints a connection may use, as kube-proxy decides it (pkg/proxy/topology.go):
// ready endpoints; when none is ready, the ones that are serving while terminating (KEP-1669).
// A Local traffic policy keeps only this node's endpoints. No usable endpoint anywhere →
// reject; endpoints exist but none here for a Local policy → drop.

import type { AddressKind, AddressPlan, EndpointInfo, ServiceAddress, ServicePortInfo } from './types.js';

/** Ready endpoints, else serving-and-terminating ones. */
export function usable(endpoints: EndpointInfo[]): EndpointInfo[] {
  const ready = endpoints.filter((e) => e.ready);
  return ready.length ? ready : endpoints.filter((e) => e.serving && e.terminating);
}

export interface Categorized {
  /** For a Cluster policy. */
  cluster: EndpointInfo[];
  /** For a Local policy: usable endpoints on this node. */
  local: EndpointInfo[];
  /** Whatever either policy the service uses could reach; empty means reject. */
  anyReachable: boolean;
}

export function categorize(svc: ServicePortInfo, endpoints: EndpointInfo[]): Categorized {
  const cluster = usable(endpoints);
  const local = usable(endpoints.filter((e) => e.isLocal));
  const usesCluster = !svc.internalPolicyLocal || !svc.externalPolicyLocal;
  const usesLocal = svc.internalPolicyLocal || svc.externalPolicyLocal;
  return { cluster, local, anyReachable: (usesCluster && cluster.length > 0) || (usesLocal && local.length > 0) };
}

const isExternal = (kind: AddressKind): boolean => kind !== 'ClusterIP';

/** Every address the service port answers on: ClusterIPs, externalIPs, LoadBalancer IPs, NodePorts. */
export function serviceAddresses(svc: ServicePortInfo, nodePortIPs: string[]): ServiceAddress[] {
  return [
    ...svc.clusterIPs.map((ip) => ({ kind: 'ClusterIP' as const, ip, port: svc.port })),
    ...svc.externalIPs.map((ip) => ({ kind: 'ExternalIP' as const, ip, port: svc.port })),
    ...svc.loadBalancerIPs.map((ip) => ({ kind: 'LoadBalancer' as const, ip, port: svc.port })),
    ...(svc.nodePort ? nodePortIPs.map((ip) => ({ kind: 'NodePort' as const, ip, port: svc.nodePort })) : []),
  ];
}

export function planAddresses(svc: ServicePortInfo, endpoints: EndpointInfo[], nodePortIPs: string[]): AddressPlan[] {
  const c = categorize(svc, endpoints);
  return serviceAddresses(svc, nodePortIPs).map((a) => {
    const local = isExternal(a.kind) ? svc.externalPolicyLocal : svc.internalPolicyLocal;
    const eps = local ? c.local : c.cluster;
    if (eps.length) return { ...a, verdict: 'forward', local, endpoints: eps };
    if (!c.anyReachable) return { ...a, verdict: 'reject', reason: 'the service has no usable endpoints', local, endpoints: [] };
    const policy = isExternal(a.kind) ? 'externalTrafficPolicy' : 'internalTrafficPolicy';
    return { ...a, verdict: 'drop', reason: `${policy} is Local and this node has no usable endpoint`, local, endpoints: [] };
  });
}
