// DaemonSets (apps/v1): defaults (apps/v1 SetDefaults_DaemonSet), validation
// (ValidateDaemonSet) and the Table row of printers.go printDaemonSet.

import { field, type FieldError } from '../../util/status-errors.js';
import { formatLabelSelector } from '../../util/labels.js';
import { age, ageColumn, column, containerCells, containersColumn, defineResource, imagesColumn, nameColumn, validateMeta } from '../descriptor.js';
import { defaultPodSpec } from '../core/pod-template.js';
import { isDNS1123Subdomain } from '../../util/name-format.js';
import { validateIntOrPercent } from './deployments.js';
import { nonNegative, validateSelectorUnchanged, validateWorkloadSpec, type Workload, type WorkloadSpec } from './workload.js';

type IntOrString = number | string;

export interface DaemonSetSpec extends WorkloadSpec {
  updateStrategy?: { type?: string; rollingUpdate?: { maxUnavailable?: IntOrString; maxSurge?: IntOrString } };
  revisionHistoryLimit?: number;
}

export interface DaemonSetStatus {
  currentNumberScheduled?: number;
  numberMisscheduled?: number;
  desiredNumberScheduled?: number;
  numberReady?: number;
  observedGeneration?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
  numberUnavailable?: number;
  collisionCount?: number;
  [key: string]: unknown;
}

export interface DaemonSet extends Workload {
  spec?: DaemonSetSpec;
  status?: DaemonSetStatus;
}

const STRATEGIES = ['OnDelete', 'RollingUpdate'];
const isZero = (v: IntOrString | undefined): boolean => v === undefined || v === 0 || v === '0%';

function validateDaemonSetSpec(spec: DaemonSetSpec | undefined): FieldError[] {
  const s = spec ?? {};
  const errs = validateWorkloadSpec(s, 'DaemonSet');
  errs.push(...nonNegative(s.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  const strategy = s.updateStrategy ?? {};
  if (!STRATEGIES.includes(strategy.type ?? '')) return [...errs, field.notSupported('spec.updateStrategy.type', strategy.type ?? '', STRATEGIES)];
  const ru = strategy.rollingUpdate;
  if (strategy.type === 'RollingUpdate' && ru) {
    const at = 'spec.updateStrategy.rollingUpdate';
    errs.push(...validateIntOrPercent(ru.maxUnavailable, `${at}.maxUnavailable`), ...validateIntOrPercent(ru.maxSurge, `${at}.maxSurge`));
    if (isZero(ru.maxUnavailable) && isZero(ru.maxSurge))
      errs.push(field.invalid(`${at}.maxUnavailable`, ru.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
  }
  return errs;
}

const nodeSelectorCell = (ds: DaemonSet): string => {
  const sel = ds.spec?.template?.spec?.nodeSelector as Record<string, string> | undefined;
  return sel && Object.keys(sel).length ? Object.entries(sel).map(([k, v]) => `${k}=${v}`).join(',') : '<none>';
};

export const daemonSets = defineResource<DaemonSet>({
  group: 'apps',
  version: 'v1',
  kind: 'DaemonSet',
  resource: 'daemonsets',
  shortNames: ['ds'],
  categories: ['all'],
  namespaced: true,
  subresources: ['status'],
  tracksGeneration: true,
  columns: [
    nameColumn(),
    column('Desired', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).', { type: 'integer' }),
    column('Current', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.', { type: 'integer' }),
    column('Ready', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.', { type: 'integer' }),
    column('Up-to-date', 'The total number of nodes that are running updated daemon pod', { type: 'integer' }),
    column('Available', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)', { type: 'integer' }),
    column('Node Selector', 'NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node\'s labels for the pod to be scheduled on that node.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'A label query over pods that are managed by the daemon set.', { priority: 1 }),
  ],
  row(ds, now) {
    const s = ds.status ?? {};
    return [
      ds.metadata.name,
      s.desiredNumberScheduled ?? 0,
      s.currentNumberScheduled ?? 0,
      s.numberReady ?? 0,
      s.updatedNumberScheduled ?? 0,
      s.numberAvailable ?? 0,
      nodeSelectorCell(ds),
      age(ds, now),
      ...containerCells(ds.spec?.template?.spec?.containers),
      formatLabelSelector(ds.spec?.selector),
    ];
  },
  defaults(ds) {
    const spec = (ds.spec ??= {});
    defaultPodSpec(((spec.template ??= {}).spec ??= {}));
    const strategy = (spec.updateStrategy ??= {});
    strategy.type ||= 'RollingUpdate';
    if (strategy.type === 'RollingUpdate') {
      const ru = (strategy.rollingUpdate ??= {});
      ru.maxUnavailable ??= 1;
      ru.maxSurge ??= 0;
    }
    spec.revisionHistoryLimit ??= 10;
  },
  prepareForCreate(ds) {
    ds.status = { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
  },
  validate(ds, old) {
    const errs = validateMeta(ds, old, { namespaced: true, validateName: isDNS1123Subdomain });
    errs.push(...validateDaemonSetSpec(ds.spec));
    if (old) errs.push(...validateSelectorUnchanged(ds.spec, old.spec));
    return errs;
  },
});
