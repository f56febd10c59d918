// The proxy's Prometheus metrics, on a registry of its own that the lead mounts on /metrics.
// Names follow kube-proxy's where it has one (kubeproxy_sync_proxy_rules_duration_seconds,
// kubeproxy_network_programming_duration_seconds).

import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface ProxyMetrics {
  registry: Registry;
  syncDuration: Histogram;
  /** Change seen by the proxy → datapath serving it. */
  programmingLatency: Histogram;
  activeConnections: Gauge<'service'>;
  bytes: Counter<'service' | 'direction'>;
  connectFailures: Counter<'service' | 'endpoint'>;
}

export function createProxyMetrics(): ProxyMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    syncDuration: new Histogram({
      name: 'kubeproxy_sync_proxy_rules_duration_seconds',
      help: 'How long one sync of the datapath took.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    programmingLatency: new Histogram({
      name: 'kubeproxy_network_programming_duration_seconds',
      help: 'From a Service or EndpointSlice change seen by the proxy to the datapath serving it.',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers,
    }),
    activeConnections: new Gauge({
      name: 'tinykube_proxy_active_connections',
      help: 'Connections (TCP) and flows (UDP) open through the proxy, per service port.',
      labelNames: ['service'],
      registers,
    }),
    bytes: new Counter({
      name: 'tinykube_proxy_bytes_total',
      help: 'Bytes carried per service port, counted when a connection or flow closes; direction in (client→endpoint) or out.',
      labelNames: ['service', 'direction'],
      registers,
    }),
    connectFailures: new Counter({
      name: 'tinykube_proxy_endpoint_connect_failures_total',
      help: 'Failed connects to an endpoint (the proxy then tried the next one).',
      labelNames: ['service', 'endpoint'],
      registers,
    }),
  };
}
