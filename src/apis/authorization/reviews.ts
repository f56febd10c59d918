// The access reviews (authorization.k8s.io/v1) and SelfSubjectReview (authentication.k8s.io/v1):
// create-only and never stored; the API server answers each from its authorizer
// (src/api/auth/reviews.ts).

import { defineResource, nameColumn } from '../descriptor.js';
import type { KubeObject } from '../types.js';

const review = (group: string, kind: string, namespaced = false) =>
  defineResource<KubeObject>({
    group,
    version: 'v1',
    kind,
    resource: `${kind.toLowerCase()}s`,
    namespaced,
    verbs: ['create'],
    columns: [nameColumn()],
    row: (r) => [r.metadata.name],
  });

export const subjectAccessReviews = review('authorization.k8s.io', 'SubjectAccessReview');
export const selfSubjectAccessReviews = review('authorization.k8s.io', 'SelfSubjectAccessReview');
export const localSubjectAccessReviews = review('authorization.k8s.io', 'LocalSubjectAccessReview', true);
export const selfSubjectRulesReviews = review('authorization.k8s.io', 'SelfSubjectRulesReview');
export const selfSubjectReviews = review('authentication.k8s.io', 'SelfSubjectReview');
