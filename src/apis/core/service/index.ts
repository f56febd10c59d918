// Services (core/v1): defaulting, strategy, validation and the Table as Kubernetes has them, and
// ClusterIP/NodePort allocation around writes. The generic REST flow calls the hooks in order:
// defaults → prepareFor* → validate → before* (allocation) → store → after*.

import { defineResource } from '../../descriptor.js';
import { allocateOnCreate, allocateOnUpdate, releaseAll, releaseUnused } from './allocator.js';
import { defaultService } from './defaults.js';
import { serviceColumns, serviceRow } from './printer.js';
import { prepareServiceForCreate, prepareServiceForUpdate } from './strategy.js';
import type { Service } from './types.js';
import { validateService } from './validation.js';

export type { Service } from './types.js';
export { repairAllocations } from './repair.js';
export { parseServiceCIDRs } from './service-cidrs.js';

export const services = defineResource<Service>({
  group: '',
  version: 'v1',
  kind: 'Service',
  resource: 'services',
  shortNames: ['svc'],
  categories: ['all'],
  namespaced: true,
  subresources: ['status', 'proxy'],
  columns: serviceColumns,
  row: serviceRow,
  // The field selectors Kubernetes supports for services, besides metadata.name/namespace.
  selectableFields: (svc) => ({ 'spec.clusterIP': svc.spec.clusterIP ?? '', 'spec.type': svc.spec.type ?? '' }),
  defaults: defaultService,
  prepareForCreate: prepareServiceForCreate,
  prepareForUpdate: prepareServiceForUpdate,
  validate: validateService,
  beforeCreate: allocateOnCreate,
  beforeUpdate: allocateOnUpdate,
  afterUpdate: releaseUnused,
  afterDelete: releaseAll,
});
