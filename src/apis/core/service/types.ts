// core/v1 Service as it travels in JSON. Our own types rather than @kubernetes/client-node's:
// theirs turn timestamps into Date and IntOrString into `any`, and are a dev dependency.

import type { KubeObject } from '../../types.js';

export const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

/** `clusterIP: None`: a headless service. */
export const CLUSTER_IP_NONE = 'None';

export interface ServicePort {
  name?: string;
  protocol?: string;
  appProtocol?: string;
  port: number;
  /** A number or an IANA service name; 0 or absent means "same as port". */
  targetPort?: number | string;
  /** 0 or absent: none yet (protobuf decodes an absent field as 0). */
  nodePort?: number;
}

export interface SessionAffinityConfig {
  clientIP?: { timeoutSeconds?: number };
}

export interface ServiceSpec {
  ports?: ServicePort[];
  selector?: Record<string, string>;
  clusterIP?: string;
  clusterIPs?: string[];
  type?: string;
  externalIPs?: string[];
  sessionAffinity?: string;
  loadBalancerIP?: string;
  loadBalancerSourceRanges?: string[];
  externalName?: string;
  externalTrafficPolicy?: string;
  healthCheckNodePort?: number;
  publishNotReadyAddresses?: boolean;
  sessionAffinityConfig?: SessionAffinityConfig | null;
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  allocateLoadBalancerNodePorts?: boolean;
  loadBalancerClass?: string;
  internalTrafficPolicy?: string;
  trafficDistribution?: string;
}

export interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
  ipMode?: string;
  ports?: { port: number; protocol: string; error?: string }[];
}

export interface ServiceStatus {
  loadBalancer?: { ingress?: LoadBalancerIngress[] };
  conditions?: Record<string, unknown>[];
}

export interface Service extends KubeObject {
  spec: ServiceSpec;
  status?: ServiceStatus;
}

export const isHeadless = (s: ServiceSpec): boolean => s.clusterIPs?.length === 1 && s.clusterIPs[0] === CLUSTER_IP_NONE;

/** Every type but ExternalName has a clusterIP (`None` included). */
export const needsClusterIP = (s: ServiceSpec): boolean => s.type !== 'ExternalName';

export const needsNodePorts = (s: ServiceSpec): boolean => s.type === 'NodePort' || s.type === 'LoadBalancer';

/** A LoadBalancer with externalTrafficPolicy Local gets a health check node port. */
export const needsHealthCheckNodePort = (s: ServiceSpec): boolean =>
  s.type === 'LoadBalancer' && s.externalTrafficPolicy === 'Local';

/** Reachable from outside the cluster, so externalTrafficPolicy applies (apiservice.ExternallyAccessible). */
export const externallyAccessible = (s: ServiceSpec): boolean =>
  needsNodePorts(s) || (s.type === 'ClusterIP' && (s.externalIPs?.length ?? 0) > 0);
