// Per-service-port metric handles, bound once per service port rather than looked up by
// labels on every connection, and shared by the TCP and UDP listeners. Beside the Prometheus
// series (per service port), plain counters per endpoint feed the live page's rates.

import type { ProxyMetrics } from '../../metrics.js';
import type { ServicePortInfo } from '../../state/types.js';
import type { EndpointTraffic } from '../../traffic.js';

export interface ServiceStats {
  opened(endpoint: string): void;
  /** A connection or flow to `endpoint` ended having carried these bytes (in: client → endpoint). */
  closed(endpoint: string, bytesIn: number, bytesOut: number): void;
  connectFailed(endpoint: string): void;
  /** Connections and flows open now. */
  open(): number;
  /** The counters of every endpoint that has carried a connection. */
  traffic(): EndpointTraffic[];
}

type Counts = Pick<EndpointTraffic, 'connections' | 'open' | 'bytesIn' | 'bytesOut'>;

export function serviceStats(m: ProxyMetrics, service: Pick<ServicePortInfo, 'key' | 'namespace' | 'name'>): ServiceStats {
  const key = service.key;
  const active = m.activeConnections.labels({ service: key });
  const bytesIn = m.bytes.labels({ service: key, direction: 'in' });
  const bytesOut = m.bytes.labels({ service: key, direction: 'out' });
  const perEndpoint = new Map<string, Counts>();
  const counts = (endpoint: string): Counts => {
    let c = perEndpoint.get(endpoint);
    if (!c) perEndpoint.set(endpoint, (c = { connections: 0, open: 0, bytesIn: 0, bytesOut: 0 }));
    return c;
  };
  let open = 0;
  return {
    opened(endpoint) {
      open++;
      active.inc();
      const c = counts(endpoint);
      c.connections++;
      c.open++;
    },
    closed(endpoint, i, o) {
      open--;
      active.dec();
      bytesIn.inc(i);
      bytesOut.inc(o);
      const c = counts(endpoint);
      c.open--;
      c.bytesIn += i;
      c.bytesOut += o;
    },
    connectFailed: (endpoint) => m.connectFailures.inc({ service: key, endpoint }),
    open: () => open,
    traffic: () => [...perEndpoint].map(([endpoint, c]) => ({ service: key, namespace: service.namespace, name: service.name, endpoint, ...c })),
  };
}

/** Drops a service port's series once it is gone and drained, so churn of Services does not grow memory. */
export function forgetServiceStats(m: ProxyMetrics, service: string): void {
  m.activeConnections.remove({ service });
  m.bytes.remove({ service, direction: 'in' });
  m.bytes.remove({ service, direction: 'out' });
}
