// The Table columns of `kubectl get services`, cells as printService
// (pkg/printers/internalversion/printers.go) prints them. The server always prints wide (the
// Selector column and untruncated load balancer addresses); kubectl hides priority-1 columns.

import { age, ageColumn, column, nameColumn } from '../../descriptor.js';
import type { TableColumn } from '../../types.js';
import { formatLabelSelector } from '../../../util/labels.js';
import type { Service, ServiceSpec, ServiceStatus } from './types.js';

export const serviceColumns: TableColumn[] = [
  nameColumn(),
  column('Type', 'type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer.'),
  column('Cluster-IP', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
  column('External-IP', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
  column('Port(s)', 'The list of ports that are exposed by this service.'),
  ageColumn(),
  column('Selector', 'Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify.', { priority: 1 }),
];

export function serviceRow(svc: Service, now: Date): unknown[] {
  const spec = svc.spec;
  const ports = (spec.ports ?? [])
    .map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol}` : `${p.port}/${p.protocol}`))
    .join(',');
  return [
    svc.metadata.name ?? '',
    spec.type ?? '',
    spec.clusterIPs?.[0] ?? '<none>',
    externalIP(spec, svc.status),
    ports || '<none>',
    age(svc, now),
    // labels.FormatLabels: sorted `k=v` pairs, `<none>` when empty.
    formatLabelSelector({ matchLabels: spec.selector }),
  ];
}

function externalIP(spec: ServiceSpec, status: ServiceStatus | undefined): string {
  const external = spec.externalIPs ?? [];
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return external.length ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      // Sorted and deduplicated, as the Go printer's string set lists them.
      const ingress = [
        ...new Set((status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter((a) => a !== '')),
      ].sort();
      const all = [...ingress, ...external];
      return all.length ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}
