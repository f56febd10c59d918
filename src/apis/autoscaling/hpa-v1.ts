// autoscaling/v1 HorizontalPodAutoscaler, served from the autoscaling/v2 objects in the store as
// kube-apiserver does (pkg/apis/autoscaling/v1/conversion.go): targetCPUUtilizationPercentage
// is the v2 CPU utilization metric; every other v2 field rides in annotations so that a v1
// read-modify-write loses nothing:
//
//   autoscaling.alpha.kubernetes.io/metrics          spec.metrics other than the CPU target
//   autoscaling.alpha.kubernetes.io/behavior         spec.behavior
//   autoscaling.alpha.kubernetes.io/current-metrics  status.currentMetrics
//   autoscaling.alpha.kubernetes.io/conditions       status.conditions
//
// The metric annotations hold v1's own MetricSpec/MetricStatus shapes (targetAverageUtilization,
// currentAverageValue, ...), as upstream writes them.

import { defineResource, validateMeta } from '../descriptor.js';
import type { KubeObject } from '../types.js';
import { isDNS1123Subdomain } from '../../util/name-format.js';
import {
  HPA_RESOURCE,
  hpaTable,
  validateHpaSpec,
  type HorizontalPodAutoscaler,
  type MetricSpec,
  type MetricStatus,
  type MetricTarget,
  type MetricValueStatus,
} from './horizontalpodautoscalers.js';

const METRICS = 'autoscaling.alpha.kubernetes.io/metrics';
const BEHAVIOR = 'autoscaling.alpha.kubernetes.io/behavior';
const CURRENT_METRICS = 'autoscaling.alpha.kubernetes.io/current-metrics';
const CONDITIONS = 'autoscaling.alpha.kubernetes.io/conditions';

export interface HorizontalPodAutoscalerV1 extends KubeObject {
  spec: {
    scaleTargetRef: HorizontalPodAutoscaler['spec']['scaleTargetRef'];
    minReplicas?: number;
    maxReplicas: number;
    targetCPUUtilizationPercentage?: number;
  };
  status?: {
    observedGeneration?: number;
    lastScaleTime?: string;
    currentReplicas: number;
    desiredReplicas: number;
    currentCPUUtilizationPercentage?: number;
  };
}

type V1Source = { name: string; container?: string; targetAverageUtilization?: number; targetAverageValue?: string };
type V1Current = { name: string; container?: string; currentAverageUtilization?: number; currentAverageValue?: string };

const isCpuTarget = (m: MetricSpec): boolean => m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.target.type === 'Utilization';

/** A resource source's v2 target ↔ v1's target fields; other metric types pass unchanged. */
function specToV1(m: MetricSpec): unknown {
  const key = m.type === 'Resource' ? 'resource' : m.type === 'ContainerResource' ? 'containerResource' : undefined;
  const src = key ? m[key] as { name: string; container?: string; target: MetricTarget } | undefined : undefined;
  if (!key || !src) return m;
  const out: V1Source = { name: src.name, ...(src.container ? { container: src.container } : {}) };
  if (src.target.averageUtilization !== undefined) out.targetAverageUtilization = src.target.averageUtilization;
  if (src.target.averageValue !== undefined) out.targetAverageValue = src.target.averageValue;
  return { type: m.type, [key]: out };
}

function specFromV1(m: Record<string, unknown>): MetricSpec {
  const type = String(m.type);
  const key = type === 'Resource' ? 'resource' : type === 'ContainerResource' ? 'containerResource' : undefined;
  const src = key ? (m[key] as V1Source | undefined) : undefined;
  if (!key || !src) return m as MetricSpec;
  const target: MetricTarget =
    src.targetAverageValue !== undefined ? { type: 'AverageValue', averageValue: src.targetAverageValue } : { type: 'Utilization', averageUtilization: src.targetAverageUtilization };
  return { type, [key]: { name: src.name, ...(src.container ? { container: src.container } : {}), target } };
}

function statusToV1(m: MetricStatus): unknown {
  const key = m.type === 'Resource' ? 'resource' : m.type === 'ContainerResource' ? 'containerResource' : undefined;
  const src = key ? m[key] as { name: string; container?: string; current: MetricValueStatus } | undefined : undefined;
  if (!key || !src) return m;
  const out: V1Current = { name: src.name, ...(src.container ? { container: src.container } : {}) };
  if (src.current.averageUtilization !== undefined) out.currentAverageUtilization = src.current.averageUtilization;
  if (src.current.averageValue !== undefined) out.currentAverageValue = src.current.averageValue;
  return { type: m.type, [key]: out };
}

function statusFromV1(m: Record<string, unknown>): MetricStatus {
  const type = String(m.type);
  const key = type === 'Resource' ? 'resource' : type === 'ContainerResource' ? 'containerResource' : undefined;
  const src = key ? (m[key] as V1Current | undefined) : undefined;
  if (!key || !src) return m as MetricStatus;
  const current: MetricValueStatus = {};
  if (src.currentAverageUtilization !== undefined) current.averageUtilization = src.currentAverageUtilization;
  if (src.currentAverageValue !== undefined) current.averageValue = src.currentAverageValue;
  return { type, [key]: { name: src.name, ...(src.container ? { container: src.container } : {}), current } };
}

function takeJson<T>(annotations: Record<string, string>, key: string): T | undefined {
  const text = annotations[key];
  delete annotations[key];
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined; // as upstream's conversion: an unreadable annotation converts to nothing
  }
}

/** v2 (stored) → v1. */
export function hpaToV1(hpa: KubeObject): HorizontalPodAutoscalerV1 {
  const { spec, status, metadata, ...rest } = hpa as HorizontalPodAutoscaler;
  const annotations = { ...(metadata.annotations ?? {}) };
  const metrics = spec?.metrics ?? [];
  const cpu = metrics.find(isCpuTarget);
  const others = metrics.filter((m) => m !== cpu);
  if (others.length) annotations[METRICS] = JSON.stringify(others.map(specToV1));
  if (spec?.behavior) annotations[BEHAVIOR] = JSON.stringify(spec.behavior);
  if (status?.currentMetrics?.length) annotations[CURRENT_METRICS] = JSON.stringify(status.currentMetrics.map(statusToV1));
  if (status?.conditions?.length) annotations[CONDITIONS] = JSON.stringify(status.conditions);
  const cpuNow = status?.currentMetrics?.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu')?.resource?.current.averageUtilization;
  const out: HorizontalPodAutoscalerV1 = {
    ...rest,
    metadata: { ...metadata, ...(Object.keys(annotations).length ? { annotations } : {}) },
    spec: {
      scaleTargetRef: spec?.scaleTargetRef,
      ...(spec?.minReplicas !== undefined ? { minReplicas: spec.minReplicas } : {}),
      maxReplicas: spec?.maxReplicas,
      ...(cpu ? { targetCPUUtilizationPercentage: cpu.resource!.target.averageUtilization } : {}),
    },
  };
  if (status) {
    out.status = {
      ...(status.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}),
      ...(status.lastScaleTime ? { lastScaleTime: status.lastScaleTime } : {}),
      currentReplicas: status.currentReplicas ?? 0,
      desiredReplicas: status.desiredReplicas ?? 0,
      ...(cpuNow !== undefined ? { currentCPUUtilizationPercentage: cpuNow } : {}),
    };
  }
  return out;
}

/** v1 → v2 (what is stored). */
export function hpaFromV1(v1: HorizontalPodAutoscalerV1): HorizontalPodAutoscaler {
  const { spec, status, metadata, ...rest } = v1;
  const annotations = { ...(metadata?.annotations ?? {}) };
  const metrics: MetricSpec[] = [];
  if (spec?.targetCPUUtilizationPercentage !== undefined) {
    metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } });
  }
  metrics.push(...(takeJson<Record<string, unknown>[]>(annotations, METRICS) ?? []).map(specFromV1));
  const behavior = takeJson<HorizontalPodAutoscaler['spec']['behavior']>(annotations, BEHAVIOR);
  const current = takeJson<Record<string, unknown>[]>(annotations, CURRENT_METRICS);
  const conditions = takeJson<NonNullable<HorizontalPodAutoscaler['status']>['conditions']>(annotations, CONDITIONS);
  const out: HorizontalPodAutoscaler = {
    ...rest,
    metadata: { ...metadata, ...(Object.keys(annotations).length ? { annotations } : { annotations: undefined }) },
    spec: {
      scaleTargetRef: spec?.scaleTargetRef,
      ...(spec?.minReplicas !== undefined ? { minReplicas: spec.minReplicas } : {}),
      maxReplicas: spec?.maxReplicas,
      ...(metrics.length ? { metrics } : {}),
      ...(behavior ? { behavior } : {}),
    },
  };
  if (!Object.keys(annotations).length) delete out.metadata.annotations;
  if (status) {
    const currentMetrics: MetricStatus[] = current
      ? current.map(statusFromV1)
      : status.currentCPUUtilizationPercentage !== undefined
        ? [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: status.currentCPUUtilizationPercentage } } }]
        : [];
    out.status = {
      ...(status.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}),
      ...(status.lastScaleTime ? { lastScaleTime: status.lastScaleTime } : {}),
      ...(status.currentReplicas ? { currentReplicas: status.currentReplicas } : {}),
      desiredReplicas: status.desiredReplicas ?? 0,
      ...(currentMetrics.length ? { currentMetrics } : {}),
      ...(conditions?.length ? { conditions } : {}),
    };
  }
  return out;
}

export const horizontalPodAutoscalersV1 = defineResource<HorizontalPodAutoscalerV1>({
  ...HPA_RESOURCE,
  version: 'v1',
  storedAs: { fromStored: hpaToV1, toStored: (obj) => hpaFromV1(obj) },
  columns: hpaTable.columns,
  row: (hpa, now) => hpaTable.row(hpaFromV1(hpa), now),
  defaults(hpa) {
    hpa.spec ??= {} as HorizontalPodAutoscalerV1['spec'];
    hpa.spec.minReplicas ??= 1;
  },
  prepareForCreate(hpa) {
    hpa.status = { currentReplicas: 0, desiredReplicas: 0 };
  },
  validate(hpa, old) {
    // Validation runs on the internal (v2) object upstream: its field paths are v2's.
    return [...validateMeta(hpa, old, { namespaced: true, validateName: isDNS1123Subdomain }), ...validateHpaSpec(hpaFromV1(hpa).spec)];
  },
});
