// Small builders of Services and EndpointSlices for the proxy's tests.

import type { Service, ServiceSpec } from '../../src/apis/core/service/types.js';
import type { Endpoint, EndpointSlice } from '../../src/apis/discovery/endpointslices.js';

export function service(name: string, spec: Partial<ServiceSpec> = {}, annotations?: Record<string, string>, namespace = 'default'): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, uid: `uid-${name}`, annotations },
    spec: { type: 'ClusterIP', clusterIP: '127.96.0.10', clusterIPs: ['127.96.0.10'], ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }], ...spec },
  };
}

export interface EndpointBrief {
  ip: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
  node?: string;
  pod?: string;
}

export function slice(
  svcName: string,
  endpoints: EndpointBrief[],
  ports: { name?: string; port: number; protocol?: string }[] = [{ name: 'http', port: 8080 }],
  sliceName = `${svcName}-abc`,
  namespace = 'default',
): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: sliceName, namespace, labels: { 'kubernetes.io/service-name': svcName } },
    addressType: 'IPv4',
    ports: ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' })),
    endpoints: endpoints.map(
      (e): Endpoint => ({
        addresses: [e.ip],
        conditions: { ready: e.ready ?? true, serving: e.serving ?? e.ready ?? true, terminating: e.terminating ?? false },
        nodeName: e.node ?? 'node-1',
        ...(e.pod ? { targetRef: { kind: 'Pod', namespace, name: e.pod } } : {}),
      }),
    ),
  };
}
