// The HorizontalPodAutoscaler controller (pkg/controller/podautoscaler/horizontal.go): every
// sync period, for each HPA, read its target's scale, compute a replica count from each metric
// (replica-calculator.ts) on the pods' usage from metrics.k8s.io, take the largest, normalize it
// (normalize.ts), set it on the target, and report status, conditions and Events as upstream
// words them, so `kubectl describe hpa` reads the same.

import type { Pod } from '../../apis/core/pods.js';
import type { PodMetrics } from '../../apis/metrics/metrics.js';
import type {
  HorizontalPodAutoscaler,
  HorizontalPodAutoscalerCondition as Condition,
  MetricSpec,
  MetricStatus,
} from '../../apis/autoscaling/horizontalpodautoscalers.js';
import type { KubeObject } from '../../apis/types.js';
import { R, type ResourceId } from '../../client/client.js';
import { cacheKey, type Informer } from '../../client/informer.js';
import { WorkQueue } from '../../client/workqueue.js';
import { matchesLabels, selectorFromLabelSelector } from '../../util/labels.js';
import { formatQuantity, parseQuantity } from '../../util/quantity.js';
import { rfc3339 } from '../../util/time.js';
import { isNotFound, logRetry } from '../controller-ref.js';
import type { ControllerContext } from '../workloads-context.js';
import { writeStatus } from '../workloads-status.js';
import { DEFAULT_CALCULATOR, resourceReplicas, type CalculatorConfig, type PodFacts, type PodSample, type Target } from './replica-calculator.js';
import { ScaleHistory, type NormalizeArgs } from './normalize.js';

export const HPA = { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers' } as const satisfies ResourceId;

/** --horizontal-pod-autoscaler-sync-period's default. */
export const SYNC_PERIOD_MS = 15_000;

/** The kinds whose scale the HPA can set. */
const SCALABLE: Record<string, ResourceId> = { Deployment: R.deployments, ReplicaSet: R.replicaSets, StatefulSet: R.statefulSets };

export interface HpaOptions {
  /** metrics.k8s.io PodMetrics of a namespace (the API server's metrics-server). */
  podMetrics(namespace: string): Promise<PodMetrics[]>;
  syncPeriodMs?: number;
  calculator?: CalculatorConfig;
  downscaleStabilizationMs?: number;
}

type Conditions = Map<Condition['type'], Omit<Condition, 'type' | 'lastTransitionTime'>>;

interface MetricResult {
  replicas: number;
  name: string;
  status: MetricStatus;
  timestampMs: number;
}

class MetricError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** Sums each pod's containers' requests of a resource; undefined (with the container) when one has none. */
function podRequest(pod: Pod, resource: string): Pick<PodFacts, 'request' | 'missingRequestContainer'> {
  let sum = 0;
  for (const c of pod.spec?.containers ?? []) {
    const q = c.resources?.requests?.[resource];
    if (q === undefined) return { missingRequestContainer: c.name };
    sum += parseQuantity(q);
  }
  return { request: sum };
}

function podFacts(pod: Pod, resource: string): PodFacts {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const ms = (t: string | undefined): number | undefined => (t ? Date.parse(t) : undefined);
  return {
    name: pod.metadata.name!,
    phase: pod.status?.phase,
    deleting: !!pod.metadata.deletionTimestamp,
    ready: ready?.status === 'True',
    readyTransitionMs: ms(ready?.lastTransitionTime),
    startMs: ms(pod.status?.startTime),
    ...podRequest(pod, resource),
  };
}

/** Go's time.Duration text as metrics-server writes the window: `10s`, `10.05s`. */
const windowMs = (w: string): number => Number(w.replace(/s$/, '')) * 1000;

export class HorizontalController {
  private readonly queue: WorkQueue;
  private readonly history: ScaleHistory;
  private readonly resyncs = new Map<string, NodeJS.Timeout>();
  private started = false;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly hpas: Informer<HorizontalPodAutoscaler>,
    private readonly pods: Informer<Pod>,
    private readonly opts: HpaOptions,
  ) {
    this.history = new ScaleHistory(opts.downscaleStabilizationMs);
    this.queue = new WorkQueue((key) => this.sync(key), { workers: 1, onError: logRetry(ctx.log, 'hpa', 'hpa sync failed; will retry') });
    hpas.on({
      add: (h) => this.enqueue(h),
      update: (o, h) => o.metadata.generation !== h.metadata.generation && this.enqueue(h),
      delete: (h) => this.forget(cacheKey(h)),
    });
  }

  start(): void {
    this.started = true;
    for (const h of this.hpas.list()) this.enqueue(h);
  }

  stop(): void {
    this.started = false;
    for (const t of this.resyncs.values()) clearTimeout(t);
    this.resyncs.clear();
    this.queue.stop();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  private enqueue(h: KubeObject): void {
    if (this.started) this.queue.add(cacheKey(h));
  }

  private forget(key: string): void {
    clearTimeout(this.resyncs.get(key));
    this.resyncs.delete(key);
    this.history.forget(key);
  }

  private async sync(key: string): Promise<void> {
    const [namespace, name] = key.split('/') as [string, string];
    const hpa = this.hpas.get(namespace, name);
    if (!hpa || hpa.metadata.deletionTimestamp) return this.forget(key);
    try {
      await this.reconcile(key, structuredClone(hpa));
    } finally {
      // Every HPA is looked at again each period, whatever happened.
      clearTimeout(this.resyncs.get(key));
      if (this.started) this.resyncs.set(key, setTimeout(() => this.queue.add(key), this.opts.syncPeriodMs ?? SYNC_PERIOD_MS));
    }
  }

  private async reconcile(key: string, hpa: HorizontalPodAutoscaler): Promise<void> {
    const now = this.ctx.now();
    const conditions: Conditions = new Map();
    const spec = hpa.spec;
    const ref = spec.scaleTargetRef;
    const kind = `${ref.kind}/${ref.name}`;
    const resource = SCALABLE[ref.kind];
    let target: KubeObject | undefined;
    try {
      if (!resource) throw new Error(`no matches for kind "${ref.kind}" in group "${(ref.apiVersion ?? '').split('/').slice(0, -1).join('/')}"`);
      target = await this.ctx.client.get(resource, hpa.metadata.namespace, ref.name);
    } catch (e) {
      const msg = isNotFound(e) ? `${ref.kind.toLowerCase()}s.${resource?.group ?? ''} "${ref.name}" not found` : (e as Error).message;
      this.ctx.events.record(hpa, 'Warning', 'FailedGetScale', msg);
      conditions.set('AbleToScale', { status: 'False', reason: 'FailedGetScale', message: `the HPA controller was unable to get the target's current scale: ${msg}` });
      return this.writeStatus(hpa, conditions, hpa.status?.currentReplicas ?? 0, hpa.status?.desiredReplicas ?? 0, hpa.status?.currentMetrics ?? [], false, now);
    }
    conditions.set('AbleToScale', { status: 'True', reason: 'SucceededGetScale', message: "the HPA controller was able to get the target's current scale" });
    const current: number = target!.spec?.replicas ?? 0;
    const min = spec.minReplicas ?? 1;
    let desired: number;
    let reason = '';
    let statuses: MetricStatus[] = hpa.status?.currentMetrics ?? [];
    if (current === 0 && min !== 0) {
      desired = 0;
      conditions.set('ScalingActive', { status: 'False', reason: 'ScalingDisabled', message: 'scaling is disabled since the replica count of the target is zero' });
    } else if (current > spec.maxReplicas) {
      [desired, reason] = [spec.maxReplicas, 'Current number of replicas above Spec.MaxReplicas'];
    } else if (current < min) {
      [desired, reason] = [min, 'Current number of replicas below Spec.MinReplicas'];
    } else {
      const computed = await this.computeReplicas(hpa, target!, current, now, conditions);
      statuses = computed.statuses;
      if (computed.replicas === undefined) {
        return this.writeStatus(hpa, conditions, current, hpa.status?.desiredReplicas ?? current, statuses, false, now);
      }
      const args: NormalizeArgs = { key, current, desired: computed.replicas, min, max: spec.maxReplicas, behavior: spec.behavior, nowMs: now.getTime() };
      const n = this.history.normalize(args);
      conditions.set('AbleToScale', { status: 'True', ...n.ableToScale });
      conditions.set('ScalingLimited', { status: n.limited ? 'True' : 'False', ...n.limit });
      desired = n.replicas;
      if (desired > current) reason = `${computed.metric} above target`;
      if (desired < current) reason = 'All metrics below target';
      if (desired !== current) this.history.recordScale(args, current, desired);
    }
    const rescale = desired !== current;
    if (rescale) {
      try {
        await this.ctx.client.patch(resource!, hpa.metadata.namespace, ref.name, 'merge', { spec: { replicas: desired } });
      } catch (e) {
        const msg = (e as Error).message;
        this.ctx.events.record(hpa, 'Warning', 'FailedRescale', `New size: ${desired}; reason: ${reason}; error: ${msg}`);
        conditions.set('AbleToScale', { status: 'False', reason: 'FailedUpdateScale', message: `the HPA controller was unable to update the target scale: ${msg}` });
        return this.writeStatus(hpa, conditions, current, hpa.status?.desiredReplicas ?? current, statuses, false, now);
      }
      conditions.set('AbleToScale', { status: 'True', reason: 'SucceededRescale', message: `the HPA controller was able to update the target scale to ${desired}` });
      this.ctx.events.record(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${reason}`);
      this.ctx.log.info({ hpa: key, target: kind, from: current, to: desired, reason }, 'hpa: rescaled');
    }
    await this.writeStatus(hpa, conditions, current, desired, statuses, rescale, now);
  }

  /** computeReplicasForMetrics: the largest count any valid metric asks for. */
  private async computeReplicas(
    hpa: HorizontalPodAutoscaler,
    target: KubeObject,
    current: number,
    now: Date,
    conditions: Conditions,
  ): Promise<{ replicas?: number; metric?: string; statuses: MetricStatus[] }> {
    const metrics = hpa.spec.metrics ?? [];
    const statuses: MetricStatus[] = [];
    let best: MetricResult | undefined;
    let firstError: MetricError | undefined;
    let invalid = 0;
    for (const m of metrics) {
      try {
        const r = await this.computeMetric(hpa, target, m, current, now);
        statuses.push(r.status);
        if (!best || r.replicas > best.replicas) best = r;
      } catch (e) {
        const err = e instanceof MetricError ? e : new MetricError('FailedGetResourceMetric', (e as Error).message);
        statuses.push({ type: '' });
        invalid++;
        firstError ??= err;
        this.ctx.events.record(hpa, 'Warning', err.reason, err.message);
        conditions.set('ScalingActive', { status: 'False', reason: err.reason, message: `the HPA was unable to compute the replica count: ${err.message}` });
      }
    }
    // As upstream: with some metrics invalid, the valid ones may still scale up, never down.
    if (firstError && (!best || best.replicas < current)) {
      this.ctx.events.record(hpa, 'Warning', 'FailedComputeMetricsReplicas', `invalid metrics (${invalid} invalid out of ${metrics.length}), first error is: ${firstError.message}`);
      return { statuses };
    }
    conditions.set('ScalingActive', { status: 'True', reason: 'ValidMetricFound', message: `the HPA was able to successfully calculate a replica count from ${best!.name}` });
    return { replicas: best!.replicas, metric: best!.name, statuses };
  }

  private async computeMetric(hpa: HorizontalPodAutoscaler, target: KubeObject, m: MetricSpec, current: number, now: Date): Promise<MetricResult> {
    if (m.type !== 'Resource' && m.type !== 'ContainerResource') {
      throw new MetricError(`FailedGet${m.type}Metric`, `unable to get metric of type ${m.type}: only resource metrics (metrics.k8s.io) are served by this cluster`);
    }
    const src = (m.type === 'Resource' ? m.resource : m.containerResource)!;
    const resource = src.name;
    const container = m.type === 'ContainerResource' ? m.containerResource!.container : undefined;
    const t = src.target;
    const goal: Target = t.averageValue !== undefined ? { averageValue: parseQuantity(t.averageValue) } : { utilization: t.averageUtilization! };
    const selector = selectorFromLabelSelector(target.spec?.selector);
    const pods = this.pods.list(hpa.metadata.namespace).filter((p) => matchesLabels(selector, p.metadata.labels));
    const samples = new Map<string, PodSample>();
    for (const pm of await this.opts.podMetrics(hpa.metadata.namespace!)) {
      if (!pods.some((p) => p.metadata.name === pm.metadata.name)) continue;
      const containers = pm.containers.filter((c) => container === undefined || c.name === container);
      if (!containers.length) continue;
      samples.set(pm.metadata.name!, {
        value: containers.reduce((n, c) => n + parseQuantity(c.usage[resource as 'cpu' | 'memory']), 0),
        timestampMs: Date.parse(pm.timestamp),
        windowMs: windowMs(pm.window),
      });
    }
    const metricName = 'utilization' in goal ? `${resource} resource utilization (percentage of request)` : `${resource} resource`;
    const what = 'utilization' in goal ? `${resource} utilization` : `${resource} usage`;
    if (!samples.size) {
      throw new MetricError('FailedGetResourceMetric', `failed to get ${resource} resource metric value: failed to get ${what}: unable to get metrics for resource ${resource}: no metrics returned from resource metrics API`);
    }
    const facts = pods.map((p) => {
      const f = podFacts(p, resource);
      if (container === undefined) return f;
      const c = (p.spec?.containers ?? []).find((x) => x.name === container);
      const q = c?.resources?.requests?.[resource];
      return { ...f, request: q === undefined ? undefined : parseQuantity(q), missingRequestContainer: container };
    });
    let r;
    try {
      r = resourceReplicas(current, goal, resource, facts, samples, now.getTime(), this.opts.calculator ?? DEFAULT_CALCULATOR);
    } catch (e) {
      throw new MetricError('FailedGetResourceMetric', `failed to get ${resource} resource metric value: failed to get ${what}: ${(e as Error).message}`);
    }
    const averageValue = formatQuantity(r.averageValue, resource === 'memory');
    const cur = r.utilization !== undefined ? { averageValue, averageUtilization: r.utilization } : { averageValue };
    const status: MetricStatus =
      m.type === 'Resource' ? { type: 'Resource', resource: { name: resource, current: cur } } : { type: 'ContainerResource', containerResource: { name: resource, container: container!, current: cur } };
    return { replicas: r.replicas, name: metricName, status, timestampMs: r.timestampMs };
  }

  private async writeStatus(
    hpa: HorizontalPodAutoscaler,
    conditions: Conditions,
    current: number,
    desired: number,
    currentMetrics: MetricStatus[],
    rescaled: boolean,
    now: Date,
  ): Promise<void> {
    const at = rfc3339(now);
    const old = hpa.status?.conditions ?? [];
    const merged: Condition[] = [];
    for (const type of ['AbleToScale', 'ScalingActive', 'ScalingLimited'] as const) {
      const c = conditions.get(type);
      const was = old.find((o) => o.type === type);
      if (!c) {
        if (was) merged.push(was);
        continue;
      }
      merged.push({ type, ...c, lastTransitionTime: was && was.status === c.status ? was.lastTransitionTime : at });
    }
    const status = {
      observedGeneration: hpa.metadata.generation,
      ...(rescaled ? { lastScaleTime: at } : hpa.status?.lastScaleTime ? { lastScaleTime: hpa.status.lastScaleTime } : {}),
      ...(current ? { currentReplicas: current } : {}),
      desiredReplicas: desired,
      ...(currentMetrics.length ? { currentMetrics } : {}),
      conditions: merged,
    };
    await writeStatus(this.ctx.client, HPA, hpa, status);
  }
}
