// Per-service-port metric handles, bound once per service port rather than looked up by
// labels on every connection, and shared by the TCP and UDP listeners.

import type { ProxyMetrics } from '../../metrics.js';

export interface ServiceStats {
  opened(): void;
  /** A connection or flow ended having carried these bytes (in: client → endpoint). */
  closed(bytesIn: number, bytesOut: number): void;
  connectFailed(endpoint: string): void;
  /** Connections and flows open now. */
  open(): number;
}

export function serviceStats(m: ProxyMetrics, service: string): ServiceStats {
  const active = m.activeConnections.labels({ service });
  const bytesIn = m.bytes.labels({ service, direction: 'in' });
  const bytesOut = m.bytes.labels({ service, direction: 'out' });
  let open = 0;
  return {
    opened() {
      open++;
      active.inc();
    },
    closed(i, o) {
      open--;
      active.dec();
      bytesIn.inc(i);
      bytesOut.inc(o);
    },
    connectFailed: (endpoint) => m.connectFailures.inc({ service, endpoint }),
    open: () => open,
  };
}

/** Drops a service port's series once it is gone and drained, so churn of Services does not grow memory. */
export function forgetServiceStats(m: ProxyMetrics, service: string): void {
  m.activeConnections.remove({ service });
  m.bytes.remove({ service, direction: 'in' });
  m.bytes.remove({ service, direction: 'out' });
}
