// What the host publishes of a rootless cluster, and where each connection goes (pure). The
// cluster lives in network namespaces the host cannot route to, so, as kind's port mappings and
// `minikube tunnel` do, listeners on the host's loopback forward into it:
// - every NodePort on 127.0.0.1:NODEPORT, and on [::1]:NODEPORT for a Service with IPv6 among its
//   ipFamilies (to the nodes' IPv6 addresses: the connection enters the cluster over IPv6);
// - every LoadBalancer address (127.240.x.y, ipMode Proxy) on that address and the Service port.
// Both go where a cloud load balancer sends traffic: a Ready node's address and the NodePort, and
// under externalTrafficPolicy Local only the nodes with a ready endpoint of the Service.

import { isIPv6 } from 'node:net';
import type { EndpointSlice } from '../../apis/discovery/endpointslices.js';
import type { Node } from '../../apis/core/nodes.js';
import type { Service } from '../../apis/core/service/types.js';

export const HOST_LOOPBACK = '127.0.0.1';
export const HOST_LOOPBACK6 = '::1';

export interface Publication {
  /** `ip:port/PROTOCOL` on the host (`[ip]:port/PROTOCOL` for IPv6). */
  key: string;
  ip: string;
  port: number;
  protocol: string;
  /** `namespace/name` of the Service. */
  service: string;
  nodePort: number;
  local: boolean;
}

const isLoopback = (ip: string): boolean => ip.startsWith('127.');

export function publications(services: Service[]): Publication[] {
  const out = new Map<string, Publication>();
  for (const svc of services) {
    const type = svc.spec.type ?? 'ClusterIP';
    if (type !== 'NodePort' && type !== 'LoadBalancer') continue;
    const service = `${svc.metadata.namespace}/${svc.metadata.name}`;
    const local = svc.spec.externalTrafficPolicy === 'Local';
    const v6 = svc.spec.ipFamilies?.includes('IPv6') ?? false;
    const proxied = (svc.status?.loadBalancer?.ingress ?? []).filter((i) => i.ip && i.ipMode === 'Proxy' && isLoopback(i.ip)).map((i) => i.ip!);
    for (const p of svc.spec.ports ?? []) {
      const protocol = p.protocol ?? 'TCP';
      // TCP only: a UDP NodePort is reached from inside the cluster (tinykube shell).
      if (!p.nodePort || protocol !== 'TCP') continue;
      const add = (ip: string, port: number): void => {
        const key = `${isIPv6(ip) ? `[${ip}]` : ip}:${port}/${protocol}`;
        if (!out.has(key)) out.set(key, { key, ip, port, protocol, service, nodePort: p.nodePort!, local });
      };
      add(HOST_LOOPBACK, p.nodePort);
      if (v6) add(HOST_LOOPBACK6, p.nodePort);
      if (type === 'LoadBalancer') for (const ip of proxied) add(ip, p.port);
    }
  }
  return [...out.values()].sort((a, b) => a.key.localeCompare(b.key));
}

const ready = (n: Node): boolean => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
/** The node's InternalIP of the family of `hostIP`. */
const internalIP = (n: Node, hostIP: string): string | undefined =>
  n.status?.addresses?.find((a) => a.type === 'InternalIP' && isIPv6(a.address) === isIPv6(hostIP))?.address;

/** The node addresses a connection to `pub` may go to, in name order: those of the family it
 *  came in on. */
export function targets(pub: Publication, nodes: Node[], slices: EndpointSlice[]): string[] {
  let eligible = nodes.filter(ready);
  if (pub.local) {
    const [namespace, name] = pub.service.split('/');
    const withEndpoints = new Set(
      slices
        .filter((s) => s.metadata.namespace === namespace && s.metadata.labels?.['kubernetes.io/service-name'] === name)
        .flatMap((s) => s.endpoints ?? [])
        .filter((e) => e.conditions?.ready !== false && e.nodeName)
        .map((e) => e.nodeName!),
    );
    eligible = eligible.filter((n) => withEndpoints.has(n.metadata.name!));
  }
  return eligible
    .sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!))
    .map((n) => internalIP(n, pub.ip))
    .filter((ip): ip is string => !!ip);
}
