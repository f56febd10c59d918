// k8s.io/api/core/v1 ConfigMap, Secret and ServiceAccount, and the authentication.k8s.io/v1
// TokenRequest and TokenReview that bound ServiceAccount tokens travel in. Field numbers are
// those of generated.proto.

import { any, atomicList, bool, bytes, f, inPackage, int64, mapList, mapOf, ptr, str, time } from './dsl.js';
import { LocalObjectReference, ObjectReference } from './core.js';
import { ObjectMeta } from './meta.js';

const core = inPackage('io.k8s.api.core.v1');
const authentication = inPackage('io.k8s.api.authentication.v1');

export const ConfigMap = core('ConfigMap', {
  metadata: f(1, ObjectMeta),
  data: f(2, mapOf(str)),
  binaryData: f(3, mapOf(bytes)),
  immutable: ptr(4, bool),
});

export const Secret = core('Secret', {
  metadata: f(1, ObjectMeta),
  data: f(2, mapOf(bytes)),
  type: f(3, str),
  stringData: f(4, mapOf(str)),
  immutable: ptr(5, bool),
});

export const ServiceAccount = core('ServiceAccount', {
  metadata: f(1, ObjectMeta),
  secrets: f(2, mapList(ObjectReference, ['name'], 'name')),
  imagePullSecrets: f(3, atomicList(LocalObjectReference)),
  automountServiceAccountToken: ptr(4, bool),
});

const BoundObjectReference = authentication('BoundObjectReference', {
  kind: f(1, str),
  apiVersion: f(2, str),
  name: f(3, str),
  uid: f(4, str),
});

export const TokenRequest = authentication('TokenRequest', {
  metadata: f(1, ObjectMeta),
  spec: f(
    2,
    authentication('TokenRequestSpec', {
      audiences: f(1, atomicList(str)),
      expirationSeconds: ptr(4, int64),
      boundObjectRef: f(3, BoundObjectReference),
    }),
  ),
  status: f(3, authentication('TokenRequestStatus', { token: f(1, str), expirationTimestamp: f(2, time) })),
});

export const UserInfo = authentication('UserInfo', {
  username: f(1, str),
  uid: f(2, str),
  groups: f(3, atomicList(str)),
  extra: f(4, any),
});

export const TokenReview = authentication('TokenReview', {
  metadata: f(1, ObjectMeta),
  spec: f(2, authentication('TokenReviewSpec', { token: f(1, str), audiences: f(2, atomicList(str)) })),
  status: f(
    3,
    authentication('TokenReviewStatus', {
      authenticated: f(1, bool),
      user: f(2, UserInfo),
      audiences: f(4, atomicList(str)),
      error: f(3, str),
    }),
  ),
});


