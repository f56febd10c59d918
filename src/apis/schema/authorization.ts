// k8s.io/api/authorization/v1: the access reviews `kubectl auth can-i` sends, and
// authentication.k8s.io/v1 SelfSubjectReview (`kubectl auth whoami`). None is stored.

import { any, atomicList, bool, f, inPackage, mapOf, str } from './dsl.js';
import { ObjectMeta } from './meta.js';
import { UserInfo } from './config.js';

const authorization = inPackage('io.k8s.api.authorization.v1');
const authentication = inPackage('io.k8s.api.authentication.v1');

const ResourceAttributes = authorization('ResourceAttributes', {
  namespace: f(1, str),
  verb: f(2, str),
  group: f(3, str),
  version: f(4, str),
  resource: f(5, str),
  subresource: f(6, str),
  name: f(7, str),
  fieldSelector: f(8, any),
  labelSelector: f(9, any),
});
const NonResourceAttributes = authorization('NonResourceAttributes', { path: f(1, str), verb: f(2, str) });

const SubjectAccessReviewStatus = authorization('SubjectAccessReviewStatus', {
  allowed: f(1, bool),
  denied: f(4, bool),
  reason: f(2, str),
  evaluationError: f(3, str),
});

const SubjectAccessReviewSpec = authorization('SubjectAccessReviewSpec', {
  resourceAttributes: f(1, ResourceAttributes),
  nonResourceAttributes: f(2, NonResourceAttributes),
  user: f(3, str),
  groups: f(4, atomicList(str)),
  extra: f(5, mapOf(atomicList(str))),
  uid: f(6, str),
});

export const SubjectAccessReview = authorization('SubjectAccessReview', {
  metadata: f(1, ObjectMeta),
  spec: f(2, SubjectAccessReviewSpec),
  status: f(3, SubjectAccessReviewStatus),
});

export const LocalSubjectAccessReview = authorization('LocalSubjectAccessReview', {
  metadata: f(1, ObjectMeta),
  spec: f(2, SubjectAccessReviewSpec),
  status: f(3, SubjectAccessReviewStatus),
});

export const SelfSubjectAccessReview = authorization('SelfSubjectAccessReview', {
  metadata: f(1, ObjectMeta),
  spec: f(2, authorization('SelfSubjectAccessReviewSpec', { resourceAttributes: f(1, ResourceAttributes), nonResourceAttributes: f(2, NonResourceAttributes) })),
  status: f(3, SubjectAccessReviewStatus),
});

const ResourceRule = authorization('ResourceRule', {
  verbs: f(1, atomicList(str)),
  apiGroups: f(2, atomicList(str)),
  resources: f(3, atomicList(str)),
  resourceNames: f(4, atomicList(str)),
});
const NonResourceRule = authorization('NonResourceRule', { verbs: f(1, atomicList(str)), nonResourceURLs: f(2, atomicList(str)) });

export const SelfSubjectRulesReview = authorization('SelfSubjectRulesReview', {
  metadata: f(1, ObjectMeta),
  spec: f(2, authorization('SelfSubjectRulesReviewSpec', { namespace: f(1, str) })),
  status: f(
    3,
    authorization('SubjectRulesReviewStatus', {
      resourceRules: f(1, atomicList(ResourceRule)),
      nonResourceRules: f(2, atomicList(NonResourceRule)),
      incomplete: f(3, bool),
      evaluationError: f(4, str),
    }),
  ),
});

export const SelfSubjectReview = authentication('SelfSubjectReview', {
  metadata: f(1, ObjectMeta),
  status: f(
    2,
    authentication('SelfSubjectReviewStatus', {
      userInfo: f(1, UserInfo),
    }),
  ),
});
