// Rates from two readings of a node proxy's counters: connections and bytes per second per
// endpoint. A counter that went down started again from zero within the interval (the proxy
// restarted; a kernel mode wrote the endpoint's rule or its whole table again): what it holds
// now was counted since, so that is the interval's count. Bytes are both ways: userspace's
// payload, the kernel modes' IP packets; absent where the mode counts none (iptables without ipset).

import type { EndpointTraffic, TrafficReport } from '../../proxy/traffic.js';
import type { EndpointRate } from './wire.js';

const id = (e: EndpointTraffic): string => `${e.service}|${e.endpoint}`;
const bytes = (e: EndpointTraffic | undefined): number | undefined => e?.bytes ?? (e?.bytesIn === undefined ? undefined : e.bytesIn + (e.bytesOut ?? 0));

export function trafficRates(previous: TrafficReport | undefined, current: TrafficReport): EndpointRate[] {
  const before = new Map((previous?.endpoints ?? []).map((e) => [id(e), e]));
  const seconds = previous ? (current.at - previous.at) / 1000 : 0;
  const rate = (now: number, then: number | undefined): number => (seconds > 0 && then !== undefined ? (now >= then ? now - then : now) / seconds : 0);
  return current.endpoints.map((e) => {
    const p = before.get(id(e));
    const b = bytes(e);
    return {
      node: current.node,
      service: e.service,
      namespace: e.namespace,
      name: e.name,
      endpoint: e.endpoint,
      connectionsPerSecond: rate(e.connections, p?.connections),
      ...(b === undefined ? {} : { bytesPerSecond: rate(b, bytes(p)) }),
      ...(e.open === undefined ? {} : { open: e.open }),
      connections: e.connections,
    };
  });
}
