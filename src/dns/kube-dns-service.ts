// The kube-dns Service in kube-system, backed by this server the way CoreDNS pods back it:
// a selector-less Service (its ClusterIP is the tenth address of the service range, which the
// allocator keeps for it) and an EndpointSlice we own per address family we serve, pointing at
// our addresses and ports. Serving both families asks for a dual-stack Service
// (PreferDualStack: both ClusterIPs where the cluster has both service ranges).

import type { Client } from '../client/client.js';
import { R } from '../client/client.js';
import type { Service } from '../apis/core/service/types.js';
import { SERVICE_NAME_LABEL } from './objects.js';
import { StatusError } from '../util/status-errors.js';

export const KUBE_DNS = { namespace: 'kube-system', name: 'kube-dns' };
export const FIELD_MANAGER = 'tinykube-dns';
/** Our slice of each family (the IPv4 name is the one single-stack clusters always had). */
const SLICE_NAMES = { IPv4: 'kube-dns-tinykube', IPv6: 'kube-dns-tinykube-ipv6' } as const;
const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';

export interface KubeDnsEndpoint {
  /** At most one per family. */
  addresses: string[];
  dnsPort: number;
  metricsPort: number;
}

/** Creates or updates the Service and its EndpointSlices; returns the Service's cluster IPs. */
export async function applyKubeDnsService(client: Client, e: KubeDnsEndpoint): Promise<string[]> {
  const { namespace, name } = KUBE_DNS;
  const opts = { fieldManager: FIELD_MANAGER, force: true };
  const families = new Map(e.addresses.map((a) => [a.includes(':') ? ('IPv6' as const) : ('IPv4' as const), a]));
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
      ...(families.size > 1 ? { ipFamilyPolicy: 'PreferDualStack' } : {}),
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: e.dnsPort },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: e.dnsPort },
        { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: e.metricsPort },
      ],
    },
  }, opts);
  for (const [addressType, sliceName] of Object.entries(SLICE_NAMES)) {
    const address = families.get(addressType as keyof typeof SLICE_NAMES);
    if (!address) {
      await deleteSlice(client, sliceName); // a family served before and no longer
      continue;
    }
    await client.patch(R.endpointSlices, namespace, sliceName, 'apply', {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: sliceName, namespace, labels: { [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: FIELD_MANAGER } },
      addressType,
      endpoints: [{ addresses: [address], conditions: { ready: true, serving: true, terminating: false } }],
      ports: [
        { name: 'dns', port: e.dnsPort, protocol: 'UDP' },
        { name: 'dns-tcp', port: e.dnsPort, protocol: 'TCP' },
        { name: 'metrics', port: e.metricsPort, protocol: 'TCP' },
      ],
    }, opts);
  }
  return svc.spec.clusterIPs ?? (svc.spec.clusterIP ? [svc.spec.clusterIP] : []);
}

/** Takes our endpoints away, so the Service stops sending queries to a stopped server. */
export async function removeKubeDnsEndpoint(client: Client): Promise<void> {
  await Promise.all(Object.values(SLICE_NAMES).map((s) => deleteSlice(client, s)));
}

async function deleteSlice(client: Client, name: string): Promise<void> {
  await client.delete(R.endpointSlices, KUBE_DNS.namespace, name).catch((err: unknown) => {
    if (!(err instanceof StatusError && err.code === 404)) throw err;
  });
}
