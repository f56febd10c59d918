// StorageClasses (storage.k8s.io/v1): how claims of a class get volumes. Validation as
// ValidateStorageClass; the Table row as printers.go printStorageClass.

import { field, type FieldError } from '../../util/status-errors.js';
import { age, ageColumn, column, defineResource, nameColumn, validateMeta } from '../descriptor.js';
import type { KubeObject } from '../types.js';
import { validateImmutable } from '../validation/meta.js';
import { isDNS1123Subdomain, isQualifiedName } from '../../util/name-format.js';

export interface StorageClass extends KubeObject {
  provisioner?: string;
  parameters?: Record<string, string>;
  reclaimPolicy?: string;
  volumeBindingMode?: string;
  allowVolumeExpansion?: boolean;
}

/** The annotation that makes a class the default of claims that name none. */
export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';

const RECLAIM_POLICIES = ['Delete', 'Retain'];
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];

export const isDefaultClass = (sc: KubeObject): boolean => sc.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true';

/** The default class of claims that name none (the newest if several claim to be). */
export function defaultClass(classes: StorageClass[]): StorageClass | undefined {
  return classes.filter(isDefaultClass).sort((a, b) => String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)))[0];
}

function validateClass(sc: StorageClass, old: StorageClass | undefined): FieldError[] {
  const errs: FieldError[] = [];
  if (!sc.provisioner) errs.push(field.required('provisioner', ''));
  else errs.push(...isQualifiedName(sc.provisioner).map((m) => field.invalid('provisioner', sc.provisioner, m)));
  if (sc.reclaimPolicy && !RECLAIM_POLICIES.includes(sc.reclaimPolicy)) errs.push(field.notSupported('reclaimPolicy', sc.reclaimPolicy, RECLAIM_POLICIES));
  if (sc.volumeBindingMode && !BINDING_MODES.includes(sc.volumeBindingMode))
    errs.push(field.notSupported('volumeBindingMode', sc.volumeBindingMode, BINDING_MODES));
  if (old) {
    errs.push(...validateImmutable(sc.provisioner, old.provisioner, 'provisioner'));
    errs.push(...validateImmutable(sc.parameters, old.parameters, 'parameters'));
    errs.push(...validateImmutable(sc.reclaimPolicy, old.reclaimPolicy, 'reclaimPolicy'));
    errs.push(...validateImmutable(sc.volumeBindingMode, old.volumeBindingMode, 'volumeBindingMode'));
  }
  return errs;
}

export const storageClasses = defineResource<StorageClass>({
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'StorageClass',
  resource: 'storageclasses',
  shortNames: ['sc'],
  namespaced: false,
  columns: [
    nameColumn(),
    column('Provisioner', 'provisioner indicates the type of the provisioner.'),
    column('ReclaimPolicy', 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.'),
    column('VolumeBindingMode', 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.'),
    column('AllowVolumeExpansion', 'allowVolumeExpansion shows whether the storage class allow volume expand.', { type: 'boolean' }),
    ageColumn(),
  ],
  row: (sc, now) => [
    isDefaultClass(sc) ? `${sc.metadata.name} (default)` : sc.metadata.name,
    sc.provisioner ?? '',
    sc.reclaimPolicy ?? 'Delete',
    sc.volumeBindingMode ?? 'Immediate',
    sc.allowVolumeExpansion ?? false,
    age(sc, now),
  ],
  defaults(sc) {
    sc.reclaimPolicy ||= 'Delete';
    sc.volumeBindingMode ||= 'Immediate';
  },
  validate: (sc, old) => [...validateMeta(sc, old, { namespaced: false, validateName: isDNS1123Subdomain }), ...validateClass(sc, old)],
});
