// StatefulSets (apps/v1): defaults (apps/v1 SetDefaults_StatefulSet), validation
// (ValidateStatefulSet, ValidateStatefulSetUpdate) and the Table row of printers.go
// printStatefulSet.

import { field, type FieldError } from '../../util/status-errors.js';
import { canonicalJson } from '../../util/canonical-json.js';
import { age, ageColumn, column, containerCells, containersColumn, defineResource, imagesColumn, nameColumn, validateMeta } from '../descriptor.js';
import { defaultClaim, validateClaimSpec, type PersistentVolumeClaim } from '../core/persistent-volumes.js';
import { isDNS1123Label, isDNS1123Subdomain } from '../../util/name-format.js';
import { defaultWorkload, nonNegative, validateSelectorUnchanged, validateWorkloadSpec, type Workload, type WorkloadSpec, type WorkloadStatus } from './workload.js';

export interface StatefulSetSpec extends WorkloadSpec {
  serviceName?: string;
  podManagementPolicy?: 'OrderedReady' | 'Parallel';
  updateStrategy?: { type?: string; rollingUpdate?: { partition?: number; maxUnavailable?: number | string } };
  volumeClaimTemplates?: PersistentVolumeClaim[];
  revisionHistoryLimit?: number;
  persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string; whenScaled?: string };
  ordinals?: { start?: number };
}

export interface StatefulSetStatus extends WorkloadStatus {
  currentReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
  collisionCount?: number;
}

export interface StatefulSet extends Workload {
  spec?: StatefulSetSpec;
  status?: StatefulSetStatus;
}

const POLICIES = ['OrderedReady', 'Parallel'];
const STRATEGIES = ['RollingUpdate', 'OnDelete'];
const RETENTION = ['Retain', 'Delete'];
const MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

function validateStatefulSetSpec(spec: StatefulSetSpec | undefined): FieldError[] {
  const s = spec ?? {};
  const errs = validateWorkloadSpec(s, 'StatefulSet');
  if (!POLICIES.includes(s.podManagementPolicy ?? ''))
    errs.push(field.invalid('spec.podManagementPolicy', s.podManagementPolicy ?? '', "must be 'OrderedReady' or 'Parallel'"));
  const strategy = s.updateStrategy ?? {};
  if (!STRATEGIES.includes(strategy.type ?? '')) errs.push(field.invalid('spec.updateStrategy', strategy, "must be 'RollingUpdate' or 'OnDelete'"));
  if (strategy.type === 'OnDelete' && strategy.rollingUpdate)
    errs.push(field.invalid('spec.updateStrategy.rollingUpdate', strategy.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
  errs.push(...nonNegative(strategy.rollingUpdate?.partition, 'spec.updateStrategy.rollingUpdate.partition'));
  errs.push(...nonNegative(s.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  errs.push(...nonNegative(s.ordinals?.start, 'spec.ordinals.start'));
  if (s.serviceName) errs.push(...isDNS1123Label(s.serviceName).map((m) => field.invalid('spec.serviceName', s.serviceName, m)));
  const retention = s.persistentVolumeClaimRetentionPolicy ?? {};
  for (const k of ['whenDeleted', 'whenScaled'] as const)
    if (retention[k] !== undefined && !RETENTION.includes(retention[k]!))
      errs.push(field.notSupported(`spec.persistentVolumeClaimRetentionPolicy.${k}`, retention[k], RETENTION));
  (s.volumeClaimTemplates ?? []).forEach((t, i) => {
    const at = `spec.volumeClaimTemplates[${i}]`;
    errs.push(...isDNS1123Subdomain(t.metadata?.name ?? '').map((m) => field.invalid(`${at}.metadata.name`, t.metadata?.name ?? '', m)));
    errs.push(...validateClaimSpec(t.spec, `${at}.spec`));
  });
  return errs;
}

/** Only the fields a rollout or a scale changes may change. */
function validateStatefulSetUpdate(spec: StatefulSetSpec | undefined, old: StatefulSetSpec | undefined): FieldError[] {
  const rest = (s: StatefulSetSpec | undefined): string =>
    canonicalJson(Object.fromEntries(Object.entries(s ?? {}).filter(([k]) => !MUTABLE.includes(k))));
  const errs = validateSelectorUnchanged(spec, old);
  if (rest(spec) !== rest(old))
    errs.push(
      field.forbidden(
        'spec',
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  return errs;
}

export const statefulSets = defineResource<StatefulSet>({
  group: 'apps',
  version: 'v1',
  kind: 'StatefulSet',
  resource: 'statefulsets',
  shortNames: ['sts'],
  categories: ['all'],
  namespaced: true,
  subresources: ['status', 'scale'],
  tracksGeneration: true,
  columns: [nameColumn(), column('Ready', 'Number of the pod with ready state'), ageColumn(), containersColumn(), imagesColumn()],
  row: (sts, now) => [
    sts.metadata.name,
    `${sts.status?.readyReplicas ?? 0}/${sts.spec?.replicas ?? 0}`,
    age(sts, now),
    ...containerCells(sts.spec?.template?.spec?.containers),
  ],
  defaults(sts) {
    defaultWorkload(sts);
    const spec = sts.spec as StatefulSetSpec;
    spec.podManagementPolicy ||= 'OrderedReady';
    const strategy = (spec.updateStrategy ??= {});
    strategy.type ||= 'RollingUpdate';
    if (strategy.type === 'RollingUpdate') (strategy.rollingUpdate ??= {}).partition ??= 0;
    spec.revisionHistoryLimit ??= 10;
    const retention = (spec.persistentVolumeClaimRetentionPolicy ??= {});
    retention.whenDeleted ||= 'Retain';
    retention.whenScaled ||= 'Retain';
    for (const t of spec.volumeClaimTemplates ?? []) {
      t.apiVersion ??= 'v1';
      t.kind ??= 'PersistentVolumeClaim';
      defaultClaim(t);
      (t.status ??= {}).phase ||= 'Pending';
    }
  },
  prepareForCreate(sts) {
    sts.status = { replicas: 0, availableReplicas: 0 };
  },
  validate(sts, old) {
    const errs = validateMeta(sts, old, { namespaced: true, validateName: isDNS1123Subdomain });
    errs.push(...validateStatefulSetSpec(sts.spec));
    if (old) errs.push(...validateStatefulSetUpdate(sts.spec, old.spec));
    return errs;
  },
});
