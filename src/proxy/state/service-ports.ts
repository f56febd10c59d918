// Service → its ServicePortInfos (kube-proxy's serviceToServiceMap). Headless and ExternalName
// services have no virtual IP, so they yield nothing.

import { externallyAccessible, isHeadless, type Service } from '../../apis/core/service/types.js';
import { ANNOTATION_PREFIX, type Protocol, type ServicePortInfo } from './types.js';

/** Kubernetes' default for sessionAffinityConfig.clientIP.timeoutSeconds. */
export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10800;

export const servicePortKey = (namespace: string, name: string, portName: string, protocol: string): string =>
  `${namespace}/${name}:${portName}/${protocol}`;

export function servicePorts(svc: Service): ServicePortInfo[] {
  const spec = svc.spec ?? {};
  const clusterIPs = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
  if (spec.type === 'ExternalName' || clusterIPs.length === 0 || isHeadless({ clusterIPs })) return [];
  const namespace = svc.metadata.namespace ?? 'default';
  const name = svc.metadata.name ?? '';
  // An ingress in ipMode Proxy is reached through the load balancer, not on the node (KEP-1860).
  const loadBalancerIPs = (svc.status?.loadBalancer?.ingress ?? [])
    .filter((i) => i.ip && i.ipMode !== 'Proxy')
    .map((i) => i.ip!);
  const annotations = Object.fromEntries(
    Object.entries(svc.metadata.annotations ?? {})
      .filter(([k]) => k.startsWith(ANNOTATION_PREFIX))
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
  const affinity = spec.sessionAffinity === 'ClientIP';
  return (spec.ports ?? []).map((p) => {
    const protocol = (p.protocol ?? 'TCP') as Protocol;
    const portName = p.name ?? '';
    return {
      key: servicePortKey(namespace, name, portName, protocol),
      namespace,
      name,
      uid: svc.metadata.uid ?? '',
      portName,
      protocol,
      port: p.port,
      nodePort: p.nodePort ?? 0,
      type: spec.type ?? 'ClusterIP',
      clusterIPs: [...clusterIPs],
      externalIPs: [...(spec.externalIPs ?? [])],
      loadBalancerIPs,
      affinityTimeoutSeconds: affinity
        ? spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT_SECONDS
        : undefined,
      internalPolicyLocal: spec.internalTrafficPolicy === 'Local',
      externalPolicyLocal: externallyAccessible(spec) && spec.externalTrafficPolicy === 'Local',
      ...(spec.healthCheckNodePort ? { healthCheckNodePort: spec.healthCheckNodePort } : {}),
      annotations,
    };
  });
}
