// TokenReviews (authentication.k8s.io/v1): create-only and never stored; the API server
// answers each with whether the token is valid (src/api/http/token-request.ts).

import { defineResource, nameColumn } from '../descriptor.js';
import type { KubeObject } from '../types.js';

export const tokenReviews = defineResource<KubeObject>({
  group: 'authentication.k8s.io',
  version: 'v1',
  kind: 'TokenReview',
  resource: 'tokenreviews',
  namespaced: false,
  verbs: ['create'],
  columns: [nameColumn()],
  row: (r) => [r.metadata.name],
});
