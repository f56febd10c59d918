// HorizontalPodAutoscalers (autoscaling/v2, the stored version): types, defaults (autoscaling/v2
// defaults.go), validation (pkg/apis/autoscaling/validation, with its field paths and words) and
// the Table row of printers.go printHorizontalPodAutoscaler. autoscaling/v1 is converted to this
// in hpa-v1.ts; the controller is src/controllers/podautoscaler/.

import { field, type FieldError } from '../../util/status-errors.js';
import { parseQuantity } from '../../util/quantity.js';
import { age, ageColumn, column, defineResource, nameColumn, validateMeta } from '../descriptor.js';
import type { KubeObject, ResourceType } from '../types.js';
import { isDNS1123Subdomain } from '../../util/name-format.js';

export interface CrossVersionObjectReference {
  kind: string;
  name: string;
  apiVersion?: string;
}

export interface MetricTarget {
  type: 'Utilization' | 'Value' | 'AverageValue';
  value?: string;
  averageValue?: string;
  averageUtilization?: number;
}

export interface MetricValueStatus {
  value?: string;
  averageValue?: string;
  averageUtilization?: number;
}

export interface MetricSpec {
  type: string;
  resource?: { name: string; target: MetricTarget };
  containerResource?: { name: string; container: string; target: MetricTarget };
  [source: string]: unknown;
}

export interface MetricStatus {
  type: string;
  resource?: { name: string; current: MetricValueStatus };
  containerResource?: { name: string; container: string; current: MetricValueStatus };
  [source: string]: unknown;
}

export interface HPAScalingPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

export interface HPAScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: 'Max' | 'Min' | 'Disabled';
  policies?: HPAScalingPolicy[];
}

export interface HorizontalPodAutoscalerCondition {
  type: 'AbleToScale' | 'ScalingActive' | 'ScalingLimited';
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface HorizontalPodAutoscalerSpec {
  scaleTargetRef: CrossVersionObjectReference;
  minReplicas?: number;
  maxReplicas: number;
  metrics?: MetricSpec[];
  behavior?: { scaleUp?: HPAScalingRules; scaleDown?: HPAScalingRules };
}

export interface HorizontalPodAutoscalerStatus {
  observedGeneration?: number;
  lastScaleTime?: string;
  currentReplicas?: number;
  desiredReplicas?: number;
  currentMetrics?: MetricStatus[];
  conditions?: HorizontalPodAutoscalerCondition[];
}

export interface HorizontalPodAutoscaler extends KubeObject {
  spec: HorizontalPodAutoscalerSpec;
  status?: HorizontalPodAutoscalerStatus;
}

/** autoscaling.DefaultCPUUtilization: the target when no metric is given. */
export const DEFAULT_CPU_UTILIZATION = 80;

const SOURCE_FIELDS: Record<string, string> = {
  Object: 'object',
  Pods: 'pods',
  Resource: 'resource',
  External: 'external',
  ContainerResource: 'containerResource',
};
const TARGET_TYPES = ['Utilization', 'Value', 'AverageValue'];
const SELECT_POLICIES = ['Disabled', 'Max', 'Min'];
const POLICY_TYPES = ['Percent', 'Pods'];
const MAX_STABILIZATION_SECONDS = 3600;
const MAX_PERIOD_SECONDS = 1800;

/** The rules each direction gets where `behavior` leaves a field out (v2 defaults.go). A nil
 *  scale-down window stays nil: the controller's --horizontal-pod-autoscaler-downscale-
 *  stabilization (300 s) applies. */
export function scaleUpRules(r: HPAScalingRules | undefined): HPAScalingRules {
  return {
    stabilizationWindowSeconds: r?.stabilizationWindowSeconds ?? 0,
    selectPolicy: r?.selectPolicy ?? 'Max',
    policies: r?.policies ?? [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
  };
}

export function scaleDownRules(r: HPAScalingRules | undefined): HPAScalingRules {
  return {
    ...(r?.stabilizationWindowSeconds !== undefined ? { stabilizationWindowSeconds: r.stabilizationWindowSeconds } : {}),
    selectPolicy: r?.selectPolicy ?? 'Max',
    policies: r?.policies ?? [{ type: 'Percent', value: 100, periodSeconds: 15 }],
  };
}

export function defaultHpa(hpa: HorizontalPodAutoscaler): void {
  const spec = (hpa.spec ??= {} as HorizontalPodAutoscalerSpec);
  spec.minReplicas ??= 1;
  if (!spec.metrics?.length) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  }
  if (spec.behavior) {
    spec.behavior.scaleUp = scaleUpRules(spec.behavior.scaleUp);
    spec.behavior.scaleDown = scaleDownRules(spec.behavior.scaleDown);
  }
}

/** IsValidPathSegmentName's messages. */
function pathSegment(v: string, path: string): FieldError[] {
  if (v === '.' || v === '..') return [field.invalid(path, v, `may not be '${v}'`)];
  return ['/', '%'].filter((c) => v.includes(c)).map((c) => field.invalid(path, v, `may not contain '${c}'`));
}

function validateRef(ref: CrossVersionObjectReference | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!ref?.kind) errs.push(field.required(`${path}.kind`));
  else errs.push(...pathSegment(ref.kind, `${path}.kind`));
  if (!ref?.name) errs.push(field.required(`${path}.name`));
  else errs.push(...pathSegment(ref.name, `${path}.name`));
  return errs;
}

function validateTarget(t: MetricTarget | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!t?.type) errs.push(field.required(`${path}.type`, 'must specify a metric target type'));
  else if (!TARGET_TYPES.includes(t.type)) errs.push(field.notSupported(`${path}.type`, t.type, TARGET_TYPES));
  if (t?.value !== undefined && !(parseQuantity(t.value) > 0)) errs.push(field.invalid(`${path}.value`, t.value, 'must be positive'));
  if (t?.averageValue !== undefined && !(parseQuantity(t.averageValue) > 0)) errs.push(field.invalid(`${path}.averageValue`, t.averageValue, 'must be positive'));
  if (t?.averageUtilization !== undefined && t.averageUtilization < 1) errs.push(field.invalid(`${path}.averageUtilization`, t.averageUtilization, 'must be greater than 0'));
  return errs;
}

function validateResourceSource(src: { name?: string; container?: string; target?: MetricTarget }, path: string, container: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (!src.name) errs.push(field.required(`${path}.name`, 'must specify a resource name'));
  if (container && !src.container) errs.push(field.required(`${path}.container`, 'must specify a container'));
  errs.push(...validateTarget(src.target, `${path}.target`));
  const t = src.target;
  if (t && t.averageUtilization === undefined && t.averageValue === undefined)
    errs.push(field.required(`${path}.target.averageUtilization`, 'must set either a target raw value or a target utilization'));
  if (t?.averageUtilization !== undefined && t.averageValue !== undefined)
    errs.push(field.forbidden(`${path}.target.averageValue`, 'may not set both a target raw value and a target utilization'));
  return errs;
}

function validateMetric(m: MetricSpec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!m.type) errs.push(field.required(`${path}.type`, 'must specify a metric source type'));
  else if (!SOURCE_FIELDS[m.type]) errs.push(field.notSupported(`${path}.type`, m.type, Object.keys(SOURCE_FIELDS).sort()));
  const set = Object.values(SOURCE_FIELDS).filter((k) => m[k] !== undefined);
  const own = SOURCE_FIELDS[m.type];
  if (set.length > 1 || (set.length === 1 && set[0] !== own)) errs.push(field.forbidden(path, 'must populate the given metric source only'));
  if (own && m[own] === undefined) errs.push(field.required(`${path}.${own}`, 'must populate information for the given metric source'));
  if (m.type === 'Resource' && m.resource) errs.push(...validateResourceSource(m.resource, `${path}.resource`, false));
  if (m.type === 'ContainerResource' && m.containerResource) errs.push(...validateResourceSource(m.containerResource, `${path}.containerResource`, true));
  return errs;
}

function validateRules(r: HPAScalingRules | undefined, path: string): FieldError[] {
  if (!r) return [];
  const errs: FieldError[] = [];
  const w = r.stabilizationWindowSeconds;
  if (w !== undefined && w < 0) errs.push(field.invalid(`${path}.stabilizationWindowSeconds`, w, 'must be greater than or equal to zero'));
  if (w !== undefined && w > MAX_STABILIZATION_SECONDS) errs.push(field.invalid(`${path}.stabilizationWindowSeconds`, w, `must be less than or equal to ${MAX_STABILIZATION_SECONDS}`));
  if (r.selectPolicy !== undefined && !SELECT_POLICIES.includes(r.selectPolicy)) errs.push(field.notSupported(`${path}.selectPolicy`, r.selectPolicy, SELECT_POLICIES));
  if (!r.policies?.length) errs.push(field.required(`${path}.policies`, 'must specify at least one Policy'));
  (r.policies ?? []).forEach((p, i) => {
    const at = `${path}.policies[${i}]`;
    if (!POLICY_TYPES.includes(p.type)) errs.push(field.notSupported(`${at}.type`, p.type, POLICY_TYPES));
    if (!(p.value > 0)) errs.push(field.invalid(`${at}.value`, p.value, 'must be greater than zero'));
    if (!(p.periodSeconds > 0)) errs.push(field.invalid(`${at}.periodSeconds`, p.periodSeconds, 'must be greater than zero'));
    if (p.periodSeconds > MAX_PERIOD_SECONDS) errs.push(field.invalid(`${at}.periodSeconds`, p.periodSeconds, `must be less than or equal to ${MAX_PERIOD_SECONDS}`));
  });
  return errs;
}

export function validateHpaSpec(spec: HorizontalPodAutoscalerSpec | undefined): FieldError[] {
  const s = spec ?? ({} as HorizontalPodAutoscalerSpec);
  const errs = validateRef(s.scaleTargetRef, 'spec.scaleTargetRef');
  if (s.minReplicas !== undefined && s.minReplicas < 1) errs.push(field.invalid('spec.minReplicas', s.minReplicas, 'must be greater than or equal to 1'));
  if (!(s.maxReplicas >= 1)) errs.push(field.invalid('spec.maxReplicas', s.maxReplicas ?? 0, 'must be greater than 0'));
  if (s.minReplicas !== undefined && s.maxReplicas < s.minReplicas) errs.push(field.invalid('spec.maxReplicas', s.maxReplicas, 'must be greater than or equal to `minReplicas`'));
  (s.metrics ?? []).forEach((m, i) => errs.push(...validateMetric(m, `spec.metrics[${i}]`)));
  errs.push(...validateRules(s.behavior?.scaleUp, 'spec.behavior.scaleUp'), ...validateRules(s.behavior?.scaleDown, 'spec.behavior.scaleDown'));
  return errs;
}

/** One metric as formatHPAMetrics prints it: `cpu: 30%/50%`, `memory: <unknown>/200Mi`. */
function metricCell(spec: MetricSpec, status: MetricStatus | undefined): string {
  const src = spec.resource ?? spec.containerResource;
  const current = status?.resource?.current ?? status?.containerResource?.current;
  if ((spec.type === 'Resource' || spec.type === 'ContainerResource') && src) {
    if (src.target.averageValue !== undefined) return `${src.name}: ${current?.averageValue ?? '<unknown>'}/${src.target.averageValue}`;
    const now = current?.averageUtilization !== undefined ? `${current.averageUtilization}%` : '<unknown>';
    const target = src.target.averageUtilization !== undefined ? `${src.target.averageUtilization}%` : '<auto>';
    return `${src.name}: ${now}/${target}`;
  }
  return '<unknown type>';
}

/** formatHPAMetrics: the first two metrics, then `+ N more...`. */
export function targetsCell(hpa: HorizontalPodAutoscaler): string {
  const specs = hpa.spec?.metrics ?? [];
  if (!specs.length) return '<none>';
  const statuses = hpa.status?.currentMetrics ?? [];
  const cells = specs.map((s, i) => metricCell(s, statuses[i]));
  return cells.length > 2 ? `${cells.slice(0, 2).join(', ')} + ${cells.length - 2} more...` : cells.join(', ');
}

/** The columns and row every version prints (the server prints the internal object). */
export const hpaTable: Pick<ResourceType<HorizontalPodAutoscaler>, 'columns' | 'row'> = {
  columns: [
    nameColumn(),
    column('Reference', 'scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.'),
    column('Targets', 'metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).'),
    column('MinPods', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.'),
    column('MaxPods', 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.', { type: 'integer' }),
    column('Replicas', 'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.', { type: 'integer' }),
    ageColumn(),
  ],
  row: (hpa, now) => [
    hpa.metadata.name,
    `${hpa.spec?.scaleTargetRef?.kind ?? ''}/${hpa.spec?.scaleTargetRef?.name ?? ''}`,
    targetsCell(hpa),
    hpa.spec?.minReplicas !== undefined ? String(hpa.spec.minReplicas) : '<unset>',
    hpa.spec?.maxReplicas ?? 0,
    hpa.status?.currentReplicas ?? 0,
    age(hpa, now),
  ],
};

/** What autoscaling/v2 and v1 share: one resource in two versions. */
export const HPA_RESOURCE = {
  group: 'autoscaling',
  kind: 'HorizontalPodAutoscaler',
  resource: 'horizontalpodautoscalers',
  shortNames: ['hpa'],
  categories: ['all'],
  namespaced: true,
  subresources: ['status'],
  tracksGeneration: true,
} satisfies Partial<ResourceType<KubeObject>>;

export const horizontalPodAutoscalers = defineResource<HorizontalPodAutoscaler>({
  ...HPA_RESOURCE,
  version: 'v2',
  ...hpaTable,
  defaults: defaultHpa,
  prepareForCreate(hpa) {
    hpa.status = { desiredReplicas: 0 };
  },
  validate(hpa, old) {
    return [...validateMeta(hpa, old, { namespaced: true, validateName: isDNS1123Subdomain }), ...validateHpaSpec(hpa.spec)];
  },
});
