// Scheme defaulting of a v1 Service (SetDefaults_Service in pkg/apis/core/v1/defaults.go).
// IP families and clusterIPs are filled in by allocation, which knows the service CIDR.

import { externallyAccessible, type Service } from './types.js';

/** ClientIP session affinity lasts three hours unless told otherwise. */
export const DEFAULT_CLIENT_IP_TIMEOUT_SECONDS = 10800;

export function defaultService(svc: Service): void {
  const spec = (svc.spec ??= {});
  spec.sessionAffinity ||= 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP' && spec.sessionAffinityConfig?.clientIP?.timeoutSeconds == null)
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_TIMEOUT_SECONDS } };
  spec.type ||= 'ClusterIP';
  for (const p of spec.ports ?? []) {
    p.protocol ||= 'TCP';
    // Absent, 0 and "" all mean "unset" (protobuf and JSON clients differ in which they send).
    if (!p.targetPort) p.targetPort = p.port;
    if (!p.nodePort) delete p.nodePort;
  }
  if (externallyAccessible(spec)) spec.externalTrafficPolicy ||= 'Cluster';
  if (spec.type === 'ClusterIP' || spec.type === 'NodePort' || spec.type === 'LoadBalancer')
    spec.internalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  if (!spec.healthCheckNodePort) delete spec.healthCheckNodePort;
  const status = (svc.status ??= {});
  status.loadBalancer ??= {};
}
