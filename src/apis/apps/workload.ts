// What Deployments and ReplicaSets share: a label selector that must pick their own pod
// template, replica counts, and an immutable selector (apps/v1). Rules and messages as
// pkg/apis/apps/validation and apimachinery's ValidateLabelSelector.

import { field, type FieldError } from '../../util/status-errors.js';
import {
  isEverything,
  matchesLabels,
  selectorFromLabelSelector,
  type LabelSelector,
  type LabelSelectorSpec,
} from '../../util/labels.js';
import { defaultPodSpec, validatePodTemplate, type PodTemplateSpec } from '../core/pod-template.js';
import type { KubeObject } from '../types.js';
import { FIELD_IMMUTABLE, invalidEach, validateLabels } from '../validation/meta.js';
import { isQualifiedName } from '../../util/name-format.js';

export interface WorkloadSpec {
  replicas?: number;
  selector?: LabelSelectorSpec;
  template?: PodTemplateSpec;
  minReadySeconds?: number;
  [key: string]: unknown;
}

export interface WorkloadStatus {
  replicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  updatedReplicas?: number;
  observedGeneration?: number;
  [key: string]: unknown;
}

export interface Workload extends KubeObject {
  spec?: WorkloadSpec;
  status?: WorkloadStatus;
}

// Go's %#v, which Kubernetes uses to print maps and selectors in messages.
const goMap = (m: Record<string, string> | undefined): string =>
  m === undefined
    ? 'map[string]string(nil)'
    : `map[string]string{${Object.keys(m)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${JSON.stringify(m[k])}`)
        .join(', ')}}`;

function goSelector(s: LabelSelectorSpec): string {
  const exprs = s.matchExpressions
    ? `[]v1.LabelSelectorRequirement{${s.matchExpressions
        .map(
          (e) =>
            `v1.LabelSelectorRequirement{Key:${JSON.stringify(e.key)}, Operator:${JSON.stringify(e.operator)}, Values:${
              e.values ? `[]string{${e.values.map((v) => JSON.stringify(v)).join(', ')}}` : '[]string(nil)'
            }}`,
        )
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `&v1.LabelSelector{MatchLabels:${goMap(s.matchLabels)}, MatchExpressions:${exprs}}`;
}

const invalidGo = (path: string, goValue: string, detail: string): FieldError => ({
  type: 'FieldValueInvalid',
  field: path,
  message: `Invalid value: ${goValue}: ${detail}`,
});

export function nonNegative(value: number | undefined, path: string): FieldError[] {
  return value !== undefined && value < 0 ? [field.invalid(path, value, 'must be greater than or equal to 0')] : [];
}

/** ValidateLabelSelector: keys, operators and values of matchExpressions, and matchLabels. */
function validateLabelSelector(s: LabelSelectorSpec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (s.matchExpressions ?? []).forEach((e, i) => {
    const at = `${path}.matchExpressions[${i}]`;
    const hasValues = (e.values?.length ?? 0) > 0;
    if (e.operator === 'In' || e.operator === 'NotIn') {
      if (!hasValues) errs.push(field.required(`${at}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (e.operator === 'Exists' || e.operator === 'DoesNotExist') {
      if (hasValues) errs.push(field.forbidden(`${at}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    } else {
      errs.push(field.invalid(`${at}.operator`, e.operator, 'not a valid selector operator'));
    }
    errs.push(...invalidEach(`${at}.key`, e.key, isQualifiedName(e.key)));
  });
  errs.push(...validateLabels(s.matchLabels, `${path}.matchLabels`));
  return errs;
}

/** The spec checks every apps/v1 kind makes: replicas, selector, template matching the selector.
 *  `kind` words the messages: Deployments and ReplicaSets share ReplicaSet's. */
export function validateWorkloadSpec(spec: WorkloadSpec | undefined, kind: 'ReplicaSet' | 'StatefulSet' | 'DaemonSet' = 'ReplicaSet'): FieldError[] {
  const word = kind === 'ReplicaSet' ? 'deployment' : kind.toLowerCase();
  const s = spec ?? {};
  const errs: FieldError[] = [...nonNegative(s.replicas, 'spec.replicas'), ...nonNegative(s.minReadySeconds, 'spec.minReadySeconds')];
  if (!s.selector) {
    errs.push(field.required('spec.selector'));
  } else {
    errs.push(...validateLabelSelector(s.selector, 'spec.selector'));
    if (!Object.keys(s.selector.matchLabels ?? {}).length && !s.selector.matchExpressions?.length)
      // Kubernetes words it "deployment" for ReplicaSets too.
      errs.push(invalidGo('spec.selector', goSelector(s.selector), `empty selector is invalid for ${word}`));
  }
  let selector: LabelSelector | undefined;
  try {
    selector = selectorFromLabelSelector(s.selector);
  } catch {
    errs.push(invalidGo('spec.selector', goSelector(s.selector ?? {}), 'invalid label selector'));
  }
  if (selector) {
    // A missing selector selects nothing, so it cannot match the template either.
    if (!isEverything(selector) && !matchesLabels(selector, s.template?.metadata?.labels))
      errs.push(invalidGo('spec.template.metadata.labels', goMap(s.template?.metadata?.labels), '`selector` does not match template `labels`'));
    errs.push(...validatePodTemplate(s.template, 'spec.template'));
  }
  if (s.template?.spec?.activeDeadlineSeconds !== undefined)
    errs.push(field.invalid('spec.template.spec.activeDeadlineSeconds', s.template.spec.activeDeadlineSeconds, `activeDeadlineSeconds in ${kind} is not Supported`));
  return errs;
}

/** apps/v1 selectors never change: pods picked by the old one would be orphaned. */
export function validateSelectorUnchanged(spec: WorkloadSpec | undefined, old: WorkloadSpec | undefined): FieldError[] {
  const now = spec?.selector ?? {};
  const was = old?.selector ?? {};
  return goSelector(now) === goSelector(was) ? [] : [invalidGo('spec.selector', goSelector(now), FIELD_IMMUTABLE)];
}

export function defaultWorkload(w: Workload): void {
  const spec = (w.spec ??= {});
  spec.replicas ??= 1;
  // The template is a value, not a pointer, in Go: it is always there and always defaulted.
  const template = (spec.template ??= {});
  defaultPodSpec((template.spec ??= {}));
}
