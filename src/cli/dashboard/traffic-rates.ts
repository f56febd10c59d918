// Rates from two readings of a node proxy's counters: connections and bytes per second per
// endpoint. A counter that went down (the proxy restarted) starts over at zero.

import type { EndpointTraffic, TrafficReport } from '../../proxy/traffic.js';
import type { EndpointRate } from './wire.js';

const id = (e: EndpointTraffic): string => `${e.service}|${e.endpoint}`;

export function trafficRates(previous: TrafficReport | undefined, current: TrafficReport): EndpointRate[] {
  const before = new Map((previous?.endpoints ?? []).map((e) => [id(e), e]));
  const seconds = previous ? (current.at - previous.at) / 1000 : 0;
  const rate = (now: number, then: number | undefined): number => (seconds > 0 && then !== undefined && now >= then ? (now - then) / seconds : 0);
  return current.endpoints.map((e) => {
    const p = before.get(id(e));
    return {
      node: current.node,
      service: e.service,
      namespace: e.namespace,
      name: e.name,
      endpoint: e.endpoint,
      connectionsPerSecond: rate(e.connections, p?.connections),
      bytesPerSecond: rate(e.bytesIn + e.bytesOut, p && p.bytesIn + p.bytesOut),
      open: e.open,
      connections: e.connections,
    };
  });
}
