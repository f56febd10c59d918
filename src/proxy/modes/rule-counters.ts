// The kernel modes' per-endpoint counters, as the live page's EndpointTraffic: each mode names
// one counter per endpoint of a service port (nftables: a named counter; iptables: the DNAT
// rule of its KUBE-SEP chain) and reads them all in one command. The DNAT happens in nat
// chains, which see only a connection's first packet (a UDP flow's, for UDP): the packets are
// connections, and the bytes those of the first packets only, so none are reported. A counter
// is new (zero) when its endpoint or the whole table is written again (a full sync): readers
// of successive reports take a drop as a restart (src/cli/dashboard/traffic-rates.ts).

import type { EndpointInfo, ProxyState, ServicePortInfo } from '../state/types.js';
import type { EndpointTraffic } from '../traffic.js';

/** Packets counted, by counter name. */
export type RuleCounts = Map<string, number>;

/** The endpoints of `state` whose counter in `counts` has counted connections (as userspace
 *  reports the endpoints that have carried one): a node names only what passed through it. */
export function endpointTraffic(state: ProxyState, counterName: (svc: ServicePortInfo, ep: EndpointInfo) => string, counts: RuleCounts): EndpointTraffic[] {
  const out: EndpointTraffic[] = [];
  for (const { service: svc, endpoints } of state.ports.values()) {
    for (const ep of endpoints) {
      const connections = counts.get(counterName(svc, ep));
      if (connections) out.push({ service: svc.key, namespace: svc.namespace, name: svc.name, endpoint: `${ep.ip}:${ep.port}`, connections });
    }
  }
  return out;
}
