// The kernel modes' per-endpoint counters, as the live page's EndpointTraffic: each mode names,
// per endpoint of a service port, one counter of connections (nftables: a named counter; iptables:
// the DNAT rule of its KUBE-SEP chain — nat chains see a connection's first packet only, so their
// packets are connections) and one of bytes (counted after DNAT, in the filter hooks, on every
// packet of the connections DNATed there, both ways: IP packet lengths, headers included;
// nftables: a counter an @endpoint-bytes map element names; iptables: the element of an ipset
// with counters, one hash lookup either way). The byte counter belongs to the endpoint address,
// not the service port (the filter hooks see only the endpoint): an endpoint behind two service
// ports reports their sum for both. iptables without ipset counts no bytes. A mode reads them
// all in one command per table (and per set). A counter is new (zero) when its endpoint or the
// whole table is written again (a full sync; an ipset element lives on until its endpoint goes):
// readers of successive reports take a drop as a restart (src/cli/dashboard/traffic-rates.ts).

import type { EndpointInfo, ProxyState, ServicePortInfo } from '../state/types.js';
import type { EndpointTraffic } from '../traffic.js';

export interface Count {
  packets: number;
  bytes: number;
}

/** What each counter counted, by its name. */
export type RuleCounts = Map<string, Count>;

/** Each endpoint's counters' names in a mode. */
export interface CounterNames {
  connections: (svc: ServicePortInfo, ep: EndpointInfo) => string;
  /** Absent where the mode counts no bytes (iptables without ipset). */
  bytes?: (svc: ServicePortInfo, ep: EndpointInfo) => string;
}

/** The endpoints of `state` whose counters in `counts` have counted something (as userspace
 *  reports the endpoints that have carried a connection): a node names only what passed through it. */
export function endpointTraffic(state: ProxyState, names: CounterNames, counts: RuleCounts): EndpointTraffic[] {
  const out: EndpointTraffic[] = [];
  for (const { service: svc, endpoints } of state.ports.values()) {
    for (const ep of endpoints) {
      const connections = counts.get(names.connections(svc, ep))?.packets ?? 0;
      const bytes = names.bytes && (counts.get(names.bytes(svc, ep))?.bytes ?? 0);
      if (connections || bytes) out.push({ service: svc.key, namespace: svc.namespace, name: svc.name, endpoint: `${ep.ip}:${ep.port}`, connections, ...(bytes === undefined ? {} : { bytes }) });
    }
  }
  return out;
}
