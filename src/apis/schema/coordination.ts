// k8s.io/api/coordination/v1: Lease.

import { f, inPackage, int32, microTime, ptr, str } from './dsl.js';
import { ObjectMeta } from './meta.js';

const coordination = inPackage('io.k8s.api.coordination.v1');

export const Lease = coordination('Lease', {
  metadata: f(1, ObjectMeta),
  spec: f(
    2,
    coordination('LeaseSpec', {
      holderIdentity: ptr(1, str),
      leaseDurationSeconds: ptr(2, int32),
      acquireTime: ptr(3, microTime),
      renewTime: ptr(4, microTime),
      leaseTransitions: ptr(5, int32),
      strategy: ptr(6, str),
      preferredHolder: ptr(7, str),
    }),
  ),
});
