// k8s.io/api/certificates/v1: CertificateSigningRequest. Field numbers from generated.proto.

import { atomicList, bytes, f, inPackage, int32, mapList, mapOf, ptr, str, time } from './dsl.js';
import { ObjectMeta } from './meta.js';

const certificates = inPackage('io.k8s.api.certificates.v1');

const CertificateSigningRequestCondition = certificates('CertificateSigningRequestCondition', {
  type: f(1, str),
  status: f(6, str),
  reason: f(2, str),
  message: f(3, str),
  lastUpdateTime: f(4, time),
  lastTransitionTime: f(5, time),
});

export const CertificateSigningRequest = certificates('CertificateSigningRequest', {
  metadata: f(1, ObjectMeta),
  spec: f(
    2,
    certificates('CertificateSigningRequestSpec', {
      request: f(1, bytes),
      signerName: f(7, str),
      expirationSeconds: ptr(8, int32),
      usages: f(5, atomicList(str)),
      username: f(2, str),
      uid: f(3, str),
      groups: f(4, atomicList(str)),
      extra: f(6, mapOf(atomicList(str))),
    }),
  ),
  status: f(
    3,
    certificates('CertificateSigningRequestStatus', {
      conditions: f(1, mapList(CertificateSigningRequestCondition, ['type'])),
      certificate: f(2, bytes),
    }),
  ),
});
