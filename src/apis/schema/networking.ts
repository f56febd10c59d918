// k8s.io/api/networking/v1: Ingress and IngressClass.

import { atomicList, f, inline, inPackage, int32, ptr, str } from './dsl.js';
import { ObjectMeta } from './meta.js';
import { TypedLocalObjectReference } from './storage.js';

const networking = inPackage('io.k8s.api.networking.v1');

const IngressBackend = networking('IngressBackend', {
  service: f(
    4,
    networking('IngressServiceBackend', {
      name: f(1, str),
      port: f(2, networking('ServiceBackendPort', { name: f(1, str), number: f(2, int32) }, true)),
    }),
  ),
  resource: f(3, TypedLocalObjectReference),
});

const HTTPIngressPath = networking('HTTPIngressPath', { path: f(1, str), pathType: ptr(3, str), backend: f(2, IngressBackend) });

const IngressRule = networking('IngressRule', {
  host: f(1, str),
  ingressRuleValue: inline(
    2,
    networking('IngressRuleValue', { http: f(1, networking('HTTPIngressRuleValue', { paths: f(1, atomicList(HTTPIngressPath)) })) }),
  ),
});

const IngressPortStatus = networking('IngressPortStatus', { port: f(1, int32), protocol: f(2, str), error: ptr(3, str) });

export const Ingress = networking('Ingress', {
  metadata: f(1, ObjectMeta),
  spec: f(
    2,
    networking('IngressSpec', {
      ingressClassName: ptr(4, str),
      defaultBackend: f(1, IngressBackend),
      tls: f(2, atomicList(networking('IngressTLS', { hosts: f(1, atomicList(str)), secretName: f(2, str) }))),
      rules: f(3, atomicList(IngressRule)),
    }),
  ),
  status: f(
    3,
    networking('IngressStatus', {
      loadBalancer: f(
        1,
        networking('IngressLoadBalancerStatus', {
          ingress: f(1, atomicList(networking('IngressLoadBalancerIngress', { ip: f(1, str), hostname: f(2, str), ports: f(4, atomicList(IngressPortStatus)) }))),
        }),
      ),
    }),
  ),
});

export const IngressClass = networking('IngressClass', {
  metadata: f(1, ObjectMeta),
  spec: f(
    2,
    networking('IngressClassSpec', {
      controller: f(1, str),
      parameters: f(
        2,
        networking('IngressClassParametersReference', { apiGroup: ptr(1, str), kind: f(2, str), name: f(3, str), scope: ptr(4, str), namespace: ptr(5, str) }),
      ),
    }),
  ),
});
