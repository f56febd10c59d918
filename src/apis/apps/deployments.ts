// Deployments (apps/v1): defaults (apps/v1 defaults.go), validation (ValidateDeployment) and
// the Table row of printers.go printDeployment. Generation bumps are the REST layer's.

import { field, type FieldError } from '../../util/status-errors.js';
import { labelSelectorString, selectorFromLabelSelector } from '../../util/labels.js';
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
import {
  defaultWorkload,
  nonNegative,
  validateSelectorUnchanged,
  validateWorkloadSpec,
  type Workload,
  type WorkloadSpec,
} from './workload.js';

type IntOrString = number | string;

export interface DeploymentSpec extends WorkloadSpec {
  strategy?: { type?: string; rollingUpdate?: { maxSurge?: IntOrString; maxUnavailable?: IntOrString } };
  revisionHistoryLimit?: number;
  progressDeadlineSeconds?: number;
  paused?: boolean;
}

export interface Deployment extends Workload {
  spec?: DeploymentSpec;
}

const STRATEGIES = ['Recreate', 'RollingUpdate'];

/** ValidatePositiveIntOrPercent: `25%` or a non-negative integer. */
export function validateIntOrPercent(v: IntOrString | undefined, path: string): FieldError[] {
  if (typeof v === 'string') {
    if (/^[0-9]+%$/.test(v)) return [];
    // Go prints an IntOrString through its String(): the bare text.
    return [
      {
        type: 'FieldValueInvalid',
        field: path,
        message: `Invalid value: ${v}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`,
      },
    ];
  }
  return nonNegative(v, path);
}

const isZero = (v: IntOrString | undefined): boolean => v === 0 || v === '0%';

function validateStrategy(strategy: DeploymentSpec['strategy']): FieldError[] {
  const s = strategy ?? {};
  const path = 'spec.strategy';
  if (s.type === 'Recreate')
    return s.rollingUpdate ? [field.forbidden(`${path}.rollingUpdate`, "may not be specified when strategy `type` is 'Recreate'")] : [];
  if (s.type !== 'RollingUpdate') return [field.notSupported(path, s.type ?? '', STRATEGIES)];
  const ru = s.rollingUpdate;
  if (!ru) return [field.required(`${path}.rollingUpdate`, 'this should be defaulted and never be nil')];
  const at = `${path}.rollingUpdate`;
  const errs = [...validateIntOrPercent(ru.maxUnavailable, `${at}.maxUnavailable`), ...validateIntOrPercent(ru.maxSurge, `${at}.maxSurge`)];
  if (isZero(ru.maxUnavailable) && isZero(ru.maxSurge))
    errs.push(field.invalid(`${at}.maxUnavailable`, ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
  if (typeof ru.maxUnavailable === 'string' && parseInt(ru.maxUnavailable, 10) > 100)
    errs.push(field.invalid(`${at}.maxUnavailable`, ru.maxUnavailable, 'must not be greater than 100%'));
  return errs;
}

function validateDeploymentSpec(spec: DeploymentSpec | undefined): FieldError[] {
  const s = spec ?? {};
  const errs = [...validateWorkloadSpec(s), ...validateStrategy(s.strategy)];
  errs.push(...nonNegative(s.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  if (s.progressDeadlineSeconds !== undefined) {
    errs.push(...nonNegative(s.progressDeadlineSeconds, 'spec.progressDeadlineSeconds'));
    if (s.progressDeadlineSeconds <= (s.minReadySeconds ?? 0))
      errs.push(field.invalid('spec.progressDeadlineSeconds', s.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
  }
  return errs;
}

/** The SELECTOR cell: the selector's text, `<invalid>` when it cannot be built. */
function selectorCell(d: Deployment): string {
  try {
    return labelSelectorString(selectorFromLabelSelector(d.spec?.selector));
  } catch {
    return '<invalid>';
  }
}

export const deployments = defineResource<Deployment>({
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  resource: 'deployments',
  shortNames: ['deploy'],
  categories: ['all'],
  namespaced: true,
  subresources: ['status', 'scale'],
  tracksGeneration: true,
  columns: [
    nameColumn(),
    column('Ready', 'Number of the pod with ready state'),
    column('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.', { type: 'integer' }),
    column('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.', { type: 'integer' }),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.', { priority: 1 }),
  ],
  row(d, now) {
    const status = d.status ?? {};
    return [
      d.metadata.name,
      `${status.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
      status.updatedReplicas ?? 0,
      status.availableReplicas ?? 0,
      age(d, now),
      ...containerCells(d.spec?.template?.spec?.containers),
      selectorCell(d),
    ];
  },
  defaults(d) {
    defaultWorkload(d);
    const spec = d.spec as DeploymentSpec;
    const strategy = (spec.strategy ??= {});
    strategy.type ||= 'RollingUpdate';
    if (strategy.type === 'RollingUpdate') {
      const ru = (strategy.rollingUpdate ??= {});
      ru.maxUnavailable ??= '25%';
      ru.maxSurge ??= '25%';
    }
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
  },
  prepareForCreate(d) {
    d.status = {};
  },
  validate(d, old) {
    const errs = validateMeta(d, old, { namespaced: true, validateName: isDNS1123Subdomain });
    errs.push(...validateDeploymentSpec(d.spec));
    if (old) errs.push(...validateSelectorUnchanged(d.spec, old.spec));
    return errs;
  },
});
