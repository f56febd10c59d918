// Per-service-port metric handles, bound once per service port rather than looked up by
// labels on every connection, and shared by the TCP and UDP listeners. Beside the Prometheus
// series (per service port), plain counters per endpoint feed the live page's rates.

import type { ProxyMetrics } from '../../metrics.js';
import type { ServicePortInfo } from '../../state/types.js';
import type { EndpointTraffic } from '../../traffic.js';

/** A connection's or flow's byte counts so far (in: client → endpoint), read when asked. */
export interface ByteMeter {
  readonly bytesIn: number;
  readonly bytesOut: number;
}

export interface ServiceStats {
  opened(endpoint: string, meter: ByteMeter): void;
  /** The connection or flow to `endpoint` ended; its meter holds what it carried. */
  closed(endpoint: string, meter: ByteMeter): void;
  connectFailed(endpoint: string): void;
  /** Connections and flows open now. */
  open(): number;
  /** The counters of every endpoint that has carried a connection; bytes include those of
   *  connections still open, so a long connection's rate shows while it lasts. */
  traffic(): EndpointTraffic[];
}

/** Per endpoint: bytes of closed connections, and the meters of open ones. */
interface Counts {
  connections: number;
  bytesIn: number;
  bytesOut: number;
  live: Set<ByteMeter>;
}

export function serviceStats(m: ProxyMetrics, service: Pick<ServicePortInfo, 'key' | 'namespace' | 'name'>): ServiceStats {
  const key = service.key;
  const active = m.activeConnections.labels({ service: key });
  const bytesIn = m.bytes.labels({ service: key, direction: 'in' });
  const bytesOut = m.bytes.labels({ service: key, direction: 'out' });
  const perEndpoint = new Map<string, Counts>();
  const counts = (endpoint: string): Counts => {
    let c = perEndpoint.get(endpoint);
    if (!c) perEndpoint.set(endpoint, (c = { connections: 0, bytesIn: 0, bytesOut: 0, live: new Set() }));
    return c;
  };
  let open = 0;
  return {
    opened(endpoint, meter) {
      open++;
      active.inc();
      const c = counts(endpoint);
      c.connections++;
      c.live.add(meter);
    },
    closed(endpoint, meter) {
      open--;
      active.dec();
      bytesIn.inc(meter.bytesIn);
      bytesOut.inc(meter.bytesOut);
      const c = counts(endpoint);
      c.live.delete(meter);
      c.bytesIn += meter.bytesIn;
      c.bytesOut += meter.bytesOut;
    },
    connectFailed: (endpoint) => m.connectFailures.inc({ service: key, endpoint }),
    open: () => open,
    traffic: () =>
      [...perEndpoint].map(([endpoint, c]) => {
        const live = [...c.live];
        const sum = (f: (m: ByteMeter) => number): number => live.reduce((a, m) => a + f(m), 0);
        return {
          service: key,
          namespace: service.namespace,
          name: service.name,
          endpoint,
          connections: c.connections,
          open: live.length,
          bytesIn: c.bytesIn + sum((m) => m.bytesIn),
          bytesOut: c.bytesOut + sum((m) => m.bytesOut),
        };
      }),
  };
}

/** Drops a service port's series once it is gone and drained, so churn of Services does not grow memory. */
export function forgetServiceStats(m: ProxyMetrics, service: string): void {
  m.activeConnections.remove({ service });
  m.bytes.remove({ service, direction: 'in' });
  m.bytes.remove({ service, direction: 'out' });
}
