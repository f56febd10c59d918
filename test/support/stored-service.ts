// A ClusterIP Service of any address family written to the store as kube-apiserver stores it,
// for tests of components that read Services (the DNS cache, the proxy) rather than of the
// API's allocation: dual-stack and IPv6 ClusterIPs without configuring a service range of each
// family. Consumers see it through list and watch as any Service.

import { SERVICES_PREFIX } from '../../src/apis/core/service/repair.js';
import type { TestApi } from './api.js';

export interface StoredServicePort {
  name: string;
  protocol: string;
  port: number;
}

/** Stores `namespace/name` with these ClusterIPs, in this order (the first is the primary family). */
export async function storeClusterIPService(api: TestApi, namespace: string, name: string, clusterIPs: string[], ports: StoredServicePort[]): Promise<void> {
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, uid: `stored-${namespace}-${name}`, creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z') },
    spec: {
      type: 'ClusterIP',
      clusterIP: clusterIPs[0],
      clusterIPs,
      ipFamilies: clusterIPs.map((ip) => (ip.includes(':') ? 'IPv6' : 'IPv4')),
      ipFamilyPolicy: clusterIPs.length > 1 ? 'RequireDualStack' : 'SingleStack',
      ports: ports.map((p) => ({ ...p, targetPort: p.port })),
    },
  };
  await api.store.create(`${SERVICES_PREFIX}${namespace}/${name}`, JSON.stringify(service));
}
