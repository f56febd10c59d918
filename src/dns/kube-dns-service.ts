// The kube-dns Service in kube-system, backed by this server the way CoreDNS pods back it:
// a selector-less Service (its ClusterIP is the tenth address of the service range, which the
// allocator keeps for it) and one EndpointSlice we own, pointing at our address and ports.

import type { Client } from '../client/client.js';
import { R } from '../client/client.js';
import type { Service } from '../apis/core/service/types.js';
import { SERVICE_NAME_LABEL } from './objects.js';

export const KUBE_DNS = { namespace: 'kube-system', name: 'kube-dns' };
export const FIELD_MANAGER = 'tinykube-dns';
const SLICE_NAME = 'kube-dns-tinykube';
const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';

export interface KubeDnsEndpoint {
  address: string;
  dnsPort: number;
  metricsPort: number;
}

/** Creates or updates the Service and its EndpointSlice; returns the Service's cluster IPs. */
export async function applyKubeDnsService(client: Client, e: KubeDnsEndpoint): Promise<string[]> {
  const { namespace, name } = KUBE_DNS;
  const opts = { fieldManager: FIELD_MANAGER, force: true };
  const svc = await client.patch<Service>(R.services, namespace, name, 'apply', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace,
      labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'tinykube-dns' },
      annotations: { 'prometheus.io/port': String(e.metricsPort), 'prometheus.io/scrape': 'true' },
    },
    spec: {
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: e.dnsPort },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: e.dnsPort },
        { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: e.metricsPort },
      ],
    },
  }, opts);
  await client.patch(R.endpointSlices, namespace, SLICE_NAME, 'apply', {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: SLICE_NAME, namespace, labels: { [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: FIELD_MANAGER } },
    addressType: e.address.includes(':') ? 'IPv6' : 'IPv4',
    endpoints: [{ addresses: [e.address], conditions: { ready: true, serving: true, terminating: false } }],
    ports: [
      { name: 'dns', port: e.dnsPort, protocol: 'UDP' },
      { name: 'dns-tcp', port: e.dnsPort, protocol: 'TCP' },
      { name: 'metrics', port: e.metricsPort, protocol: 'TCP' },
    ],
  }, opts);
  return svc.spec.clusterIPs ?? (svc.spec.clusterIP ? [svc.spec.clusterIP] : []);
}

/** Takes our endpoint away, so the Service stops sending queries to a stopped server. */
export async function removeKubeDnsEndpoint(client: Client): Promise<void> {
  await client.delete(R.endpointSlices, KUBE_DNS.namespace, SLICE_NAME);
}
