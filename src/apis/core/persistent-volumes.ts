// PersistentVolumeClaims and PersistentVolumes (v1): defaults (core/v1 defaults.go), validation
// (ValidatePersistentVolumeClaim, ValidatePersistentVolume) and the Table rows of printers.go
// printPersistentVolumeClaim / printPersistentVolume.

import { field, type FieldError } from '../../util/status-errors.js';
import { age, ageColumn, column, defineResource, nameColumn, validateMeta } from '../descriptor.js';
import type { KubeObject } from '../types.js';
import { defaultClass, type StorageClass } from '../storage/storageclasses.js';
import { validateImmutable } from '../validation/meta.js';
import { isDNS1123Subdomain } from '../../util/name-format.js';

export interface PersistentVolumeClaimSpec {
  accessModes?: string[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeName?: string;
  storageClassName?: string;
  volumeMode?: string;
  selector?: unknown;
  [key: string]: unknown;
}

export interface PersistentVolumeClaim extends KubeObject {
  spec?: PersistentVolumeClaimSpec;
  status?: { phase?: string; accessModes?: string[]; capacity?: Record<string, string>; [key: string]: unknown };
}

export interface PersistentVolumeSpec {
  capacity?: Record<string, string>;
  hostPath?: { path: string; type?: string };
  local?: { path: string };
  accessModes?: string[];
  claimRef?: { kind?: string; namespace?: string; name?: string; uid?: string; apiVersion?: string; resourceVersion?: string };
  persistentVolumeReclaimPolicy?: string;
  storageClassName?: string;
  volumeMode?: string;
  nodeAffinity?: unknown;
  [key: string]: unknown;
}

export interface PersistentVolume extends KubeObject {
  spec?: PersistentVolumeSpec;
  status?: { phase?: string; message?: string; reason?: string; lastPhaseTransitionTime?: string };
}

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const ABBREVIATIONS: Record<string, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };
const VOLUME_MODES = ['Block', 'Filesystem'];
const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];
/** The volume sources a PV may name; ours provisions hostPath, the rest are accepted as given. */
const PV_SOURCES = [
  'gcePersistentDisk', 'awsElasticBlockStore', 'hostPath', 'glusterfs', 'nfs', 'rbd', 'iscsi', 'cinder', 'cephfs', 'fc',
  'flocker', 'flexVolume', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume',
  'scaleIO', 'local', 'storageos', 'csi',
];

/** GetAccessModesAsString: the abbreviations in Kubernetes' fixed order, comma-joined. */
export function accessModesCell(modes: string[] | undefined): string {
  const set = new Set(modes ?? []);
  return ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'].filter((m) => set.has(m)).map((m) => ABBREVIATIONS[m]).join(',');
}

/** A quantity of bytes: `1Gi`, `500Mi`, `2G`, `1024`; NaN when it is not one. */
export function quantityBytes(q: string | undefined): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.exec(q ?? '');
  if (!m) return NaN;
  const binary: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
  const decimal: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
  return Number(m[1]) * (m[2] ? (binary[m[2]] ?? decimal[m[2]]) : 1);
}

function validateAccessModes(modes: string[] | undefined, path: string): FieldError[] {
  if (!modes?.length) return [field.required(path, 'at least 1 access mode is required')];
  const errs = modes.filter((m) => !ACCESS_MODES.includes(m)).map((m) => field.notSupported(path, m, ACCESS_MODES));
  if (modes.includes('ReadWriteOncePod') && modes.length > 1)
    errs.push(field.forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

function validateStorage(q: string | undefined, path: string): FieldError[] {
  if (q === undefined) return [field.required(path, '')];
  const bytes = quantityBytes(q);
  if (Number.isNaN(bytes)) return [field.invalid(path, q, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")];
  return bytes > 0 ? [] : [field.invalid(path, q, 'must be greater than zero')];
}

/** ValidatePersistentVolumeClaimSpec: access modes, a positive storage request, volume mode. */
export function validateClaimSpec(spec: PersistentVolumeClaimSpec | undefined, path: string): FieldError[] {
  const s = spec ?? {};
  const errs = validateAccessModes(s.accessModes, `${path}.accessModes`);
  errs.push(...validateStorage(s.resources?.requests?.storage, `${path}.resources[storage]`));
  if (s.volumeMode !== undefined && !VOLUME_MODES.includes(s.volumeMode)) errs.push(field.notSupported(`${path}.volumeMode`, s.volumeMode, VOLUME_MODES));
  if (s.storageClassName) errs.push(...isDNS1123Subdomain(s.storageClassName).map((m) => field.invalid(`${path}.storageClassName`, s.storageClassName, m)));
  return errs;
}

export function defaultClaim(pvc: PersistentVolumeClaim): void {
  (pvc.spec ??= {}).volumeMode ??= 'Filesystem';
}

/** What may change on a claim once made: the request may grow, a binding may be recorded once. */
function validateClaimUpdate(pvc: PersistentVolumeClaim, old: PersistentVolumeClaim): FieldError[] {
  // A class may be given once to a claim that had none (retroactive default class assignment).
  const classSet = old.spec?.storageClassName === undefined;
  const strip = (s: PersistentVolumeClaimSpec | undefined): PersistentVolumeClaimSpec => {
    const { resources: _r, volumeName: _v, volumeAttributesClassName: _a, storageClassName, ...rest } = s ?? {};
    return classSet ? rest : { ...rest, storageClassName };
  };
  const errs: FieldError[] = [];
  if (JSON.stringify(strip(pvc.spec)) !== JSON.stringify(strip(old.spec)))
    errs.push(field.forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  if (old.spec?.volumeName && pvc.spec?.volumeName !== old.spec.volumeName) errs.push(...validateImmutable(pvc.spec?.volumeName, old.spec.volumeName, 'spec.volumeName'));
  const was = quantityBytes(old.spec?.resources?.requests?.storage);
  const now = quantityBytes(pvc.spec?.resources?.requests?.storage);
  if (now < was) errs.push(field.forbidden('spec.resources.requests.storage', 'field can not be less than status.capacity'));
  return errs;
}

export const persistentVolumeClaims = defineResource<PersistentVolumeClaim>({
  group: '',
  version: 'v1',
  kind: 'PersistentVolumeClaim',
  resource: 'persistentvolumeclaims',
  shortNames: ['pvc'],
  namespaced: true,
  subresources: ['status'],
  columns: [
    nameColumn(),
    column('Status', 'Phase represents the current phase of PersistentVolumeClaim.'),
    column('Volume', 'VolumeName is the binding reference to the PersistentVolume backing this claim.'),
    column('Capacity', 'Capacity represents the actual resources of the underlying volume.'),
    column('Access Modes', 'AccessModes contains the actual access modes the volume backing the PVC has.'),
    column('StorageClass', 'StorageClassName is the name of the StorageClass required by the claim.'),
    column('VolumeAttributesClass', 'VolumeAttributesClassName is the name of the VolumeAttributesClass used by the claim.'),
    ageColumn(),
    column('VolumeMode', 'VolumeMode defines what type of volume is required by the claim.', { priority: 1 }),
  ],
  row(pvc, now) {
    const bound = pvc.status?.phase === 'Bound';
    return [
      pvc.metadata.name,
      pvc.metadata.deletionTimestamp ? 'Terminating' : (pvc.status?.phase ?? ''),
      pvc.spec?.volumeName ?? '',
      bound ? (pvc.status?.capacity?.storage ?? '') : '',
      bound ? accessModesCell(pvc.status?.accessModes) : '',
      pvc.spec?.storageClassName ?? '<unset>',
      (pvc.spec?.volumeAttributesClassName as string | undefined) ?? '<unset>',
      age(pvc, now),
      pvc.spec?.volumeMode ?? '<unset>',
    ];
  },
  defaults(pvc) {
    defaultClaim(pvc);
    (pvc.status ??= {}).phase ||= 'Pending';
  },
  prepareForCreate(pvc) {
    pvc.status = { phase: 'Pending' };
  },
  // The DefaultStorageClass admission plugin: a claim that names no class gets the default one.
  async beforeCreate(pvc, ctx) {
    if (pvc.spec?.storageClassName !== undefined) return;
    const classes = (await ctx.store.list('/registry/storageclasses/')).items.map((kv) => JSON.parse(kv.value) as StorageClass);
    const sc = defaultClass(classes);
    if (sc) pvc.spec!.storageClassName = sc.metadata.name;
  },
  validate(pvc, old) {
    const errs = validateMeta(pvc, old, { namespaced: true, validateName: isDNS1123Subdomain });
    errs.push(...validateClaimSpec(pvc.spec, 'spec'));
    if (old) errs.push(...validateClaimUpdate(pvc, old));
    return errs;
  },
});

function validateVolumeSpec(spec: PersistentVolumeSpec | undefined): FieldError[] {
  const s = spec ?? {};
  const errs = validateAccessModes(s.accessModes, 'spec.accessModes');
  errs.push(...validateStorage(s.capacity?.storage, 'spec.capacity'));
  const sources = PV_SOURCES.filter((k) => s[k] !== undefined);
  if (sources.length === 0) errs.push(field.required('spec', 'must specify a volume type'));
  if (sources.length > 1) errs.push(field.forbidden(`spec.${sources[1]}`, 'may not specify more than 1 volume type'));
  if (s.hostPath && !s.hostPath.path) errs.push(field.required('spec.hostPath.path', ''));
  if (s.persistentVolumeReclaimPolicy && !RECLAIM_POLICIES.includes(s.persistentVolumeReclaimPolicy))
    errs.push(field.notSupported('spec.persistentVolumeReclaimPolicy', s.persistentVolumeReclaimPolicy, RECLAIM_POLICIES));
  if (s.volumeMode !== undefined && !VOLUME_MODES.includes(s.volumeMode)) errs.push(field.notSupported('spec.volumeMode', s.volumeMode, VOLUME_MODES));
  return errs;
}

export const persistentVolumes = defineResource<PersistentVolume>({
  group: '',
  version: 'v1',
  kind: 'PersistentVolume',
  resource: 'persistentvolumes',
  shortNames: ['pv'],
  namespaced: false,
  subresources: ['status'],
  columns: [
    nameColumn(),
    column('Capacity', 'capacity is the description of the persistent volume\'s resources and capacity.'),
    column('Access Modes', 'accessModes contains all ways the volume can be mounted.'),
    column('Reclaim Policy', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.'),
    column('Status', 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
    column('Claim', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.'),
    column('StorageClass', 'storageClassName is the name of StorageClass to which this persistent volume belongs.'),
    column('VolumeAttributesClass', 'Name of VolumeAttributesClass to which this persistent volume belongs.'),
    column('Reason', 'reason is a brief CamelCase string that describes any failure.'),
    ageColumn(),
    column('VolumeMode', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.', { priority: 1 }),
  ],
  row(pv, now) {
    const ref = pv.spec?.claimRef;
    return [
      pv.metadata.name,
      pv.spec?.capacity?.storage ?? '',
      accessModesCell(pv.spec?.accessModes),
      pv.spec?.persistentVolumeReclaimPolicy ?? '',
      pv.metadata.deletionTimestamp ? 'Terminating' : (pv.status?.phase ?? ''),
      ref ? `${ref.namespace}/${ref.name}` : '',
      pv.spec?.storageClassName ?? '',
      (pv.spec?.volumeAttributesClassName as string | undefined) ?? '<unset>',
      pv.status?.reason ?? '',
      age(pv, now),
      pv.spec?.volumeMode ?? '<unset>',
    ];
  },
  defaults(pv) {
    const spec = (pv.spec ??= {});
    spec.persistentVolumeReclaimPolicy ||= 'Retain';
    spec.volumeMode ??= 'Filesystem';
    (pv.status ??= {}).phase ||= 'Pending';
  },
  prepareForCreate(pv) {
    pv.status = { phase: 'Pending' };
  },
  validate(pv, old) {
    const errs = validateMeta(pv, old, { namespaced: false, validateName: isDNS1123Subdomain });
    errs.push(...validateVolumeSpec(pv.spec));
    return errs;
  },
});
