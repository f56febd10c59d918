// Leases (coordination.k8s.io/v1): heartbeats and leader election. Validation as ValidateLease.

import { field, type FieldError } from '../../util/status-errors.js';
import { age, ageColumn, column, defineResource, nameColumn, validateMeta } from '../descriptor.js';
import type { KubeObject } from '../types.js';
import { isDNS1123Subdomain } from '../../util/name-format.js';

export interface Lease extends KubeObject {
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

function validateLeaseSpec(spec: Lease['spec']): FieldError[] {
  const errs: FieldError[] = [];
  const duration = spec?.leaseDurationSeconds;
  if (duration !== undefined && duration <= 0) errs.push(field.invalid('spec.leaseDurationSeconds', duration, 'must be greater than 0'));
  const transitions = spec?.leaseTransitions;
  if (transitions !== undefined && transitions < 0)
    errs.push(field.invalid('spec.leaseTransitions', transitions, 'must be greater than or equal to 0'));
  return errs;
}

export const leases = defineResource<Lease>({
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  resource: 'leases',
  namespaced: true,
  columns: [nameColumn(), column('Holder', 'holderIdentity contains the identity of the holder of a current lease.'), ageColumn()],
  row: (l, now) => [l.metadata.name, l.spec?.holderIdentity ?? '', age(l, now)],
  validate: (l, old) => [...validateMeta(l, old, { namespaced: true, validateName: isDNS1123Subdomain }), ...validateLeaseSpec(l.spec)],
});
