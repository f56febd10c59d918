// ServiceAccounts (core/v1): the identity a pod's processes act as towards the API. Printed as
// NAME, SECRETS, AGE.

import { age, ageColumn, column, defineResource, nameColumn, validateMeta } from '../descriptor.js';
import type { KubeObject } from '../types.js';
import { isDNS1123Subdomain } from '../../util/name-format.js';

export interface ServiceAccount extends KubeObject {
  secrets?: { name?: string }[];
  imagePullSecrets?: { name?: string }[];
  automountServiceAccountToken?: boolean;
}

export const DEFAULT_SERVICE_ACCOUNT = 'default';

export const serviceAccounts = defineResource<ServiceAccount>({
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  resource: 'serviceaccounts',
  shortNames: ['sa'],
  namespaced: true,
  subresources: ['token'],
  columns: [
    nameColumn(),
    column('Secrets', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'),
    ageColumn(),
  ],
  row: (sa, now) => [sa.metadata.name, (sa.secrets ?? []).length, age(sa, now)],
  validate: (sa, old) => validateMeta(sa, old, { namespaced: true, validateName: isDNS1123Subdomain }),
});
