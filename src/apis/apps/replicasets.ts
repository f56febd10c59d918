// ReplicaSets (apps/v1): usually owned by a Deployment, keeping N pods of one template.
// Validation as ValidateReplicaSet; the Table row as printers.go printReplicaSet.

import { formatLabelSelector } from '../../util/labels.js';
import {
  age,
  ageColumn,
  column,
  containerCells,
  containersColumn,
  defineResource,
  imagesColumn,
  nameColumn,
  validateMeta,
} from '../descriptor.js';
import { isDNS1123Subdomain } from '../../util/name-format.js';
import { defaultWorkload, validateSelectorUnchanged, validateWorkloadSpec, type Workload } from './workload.js';

export type ReplicaSet = Workload;

export const replicaSets = defineResource<ReplicaSet>({
  group: 'apps',
  version: 'v1',
  kind: 'ReplicaSet',
  resource: 'replicasets',
  shortNames: ['rs'],
  categories: ['all'],
  namespaced: true,
  subresources: ['status', 'scale'],
  tracksGeneration: true,
  columns: [
    nameColumn(),
    column('Desired', 'Replicas is the number of desired pods.', { type: 'integer' }),
    column('Current', 'Replicas is the most recently observed number of non-terminating pods.', { type: 'integer' }),
    column('Ready', 'The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.', { type: 'integer' }),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'Selector is a label query over pods that should match the replica count.', { priority: 1 }),
  ],
  row: (rs, now) => [
    rs.metadata.name,
    rs.spec?.replicas ?? 0,
    rs.status?.replicas ?? 0,
    rs.status?.readyReplicas ?? 0,
    age(rs, now),
    ...containerCells(rs.spec?.template?.spec?.containers),
    formatLabelSelector(rs.spec?.selector),
  ],
  selectableFields: (rs) => ({ 'status.replicas': String(rs.status?.replicas ?? 0) }),
  defaults: defaultWorkload,
  prepareForCreate(rs) {
    rs.status = { replicas: 0 };
  },
  validate(rs, old) {
    const errs = validateMeta(rs, old, { namespaced: true, validateName: isDNS1123Subdomain });
    errs.push(...validateWorkloadSpec(rs.spec));
    if (old) errs.push(...validateSelectorUnchanged(rs.spec, old.spec));
    return errs;
  },
});
