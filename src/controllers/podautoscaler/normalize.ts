// From the metrics' recommendation to the replica count the HPA sets (horizontal.go's
// normalizeDesiredReplicas[WithBehaviors]): stabilization over recent recommendations, the
// rate limits of the scaling policies, then minReplicas/maxReplicas, each step naming the
// condition it leaves. Keeps per HPA the recent recommendations and scale events it needs.

import type { HPAScalingRules, HorizontalPodAutoscalerCondition as Condition } from '../../apis/autoscaling/horizontalpodautoscalers.js';
import { scaleDownRules, scaleUpRules } from '../../apis/autoscaling/horizontalpodautoscalers.js';

/** --horizontal-pod-autoscaler-downscale-stabilization's default. */
export const DOWNSCALE_STABILIZATION_MS = 300_000;
const SCALE_UP_LIMIT_FACTOR = 2;
const SCALE_UP_LIMIT_MINIMUM = 4;

type Reason = Pick<Condition, 'reason' | 'message'>;

export interface Normalized {
  replicas: number;
  /** AbleToScale's reason: ReadyForNewScale or a stabilization. */
  ableToScale: Reason;
  /** ScalingLimited's: True when the count was cut. */
  limited: boolean;
  limit: Reason;
}

export interface NormalizeArgs {
  key: string;
  current: number;
  desired: number;
  min: number;
  max: number;
  behavior?: { scaleUp?: HPAScalingRules; scaleDown?: HPAScalingRules };
  nowMs: number;
}

const READY: Reason = { reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
const UP_STABILIZED: Reason = { reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' };
const DOWN_STABILIZED: Reason = { reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' };
const WITHIN: Reason = { reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
const TOO_FEW: Reason = { reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
const TOO_MANY: Reason = { reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' };
const UP_LIMIT: Reason = { reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' };
const DOWN_LIMIT: Reason = { reason: 'ScaleDownLimit', message: 'the desired replica count is decreasing faster than the maximum scale rate' };

interface Stamped {
  value: number;
  atMs: number;
}

export class ScaleHistory {
  private readonly recommendations = new Map<string, Stamped[]>();
  private readonly upEvents = new Map<string, Stamped[]>();
  private readonly downEvents = new Map<string, Stamped[]>();

  constructor(private readonly downscaleStabilizationMs = DOWNSCALE_STABILIZATION_MS) {}

  forget(key: string): void {
    this.recommendations.delete(key);
    this.upEvents.delete(key);
    this.downEvents.delete(key);
  }

  normalize(a: NormalizeArgs): Normalized {
    return a.behavior ? this.withBehavior(a) : this.withoutBehavior(a);
  }

  /** Remembers a rescale for the policies' periods (only HPAs with a behavior use them). */
  recordScale(a: NormalizeArgs, from: number, to: number): void {
    if (!a.behavior || from === to) return;
    const rules = to > from ? scaleUpRules(a.behavior.scaleUp) : scaleDownRules(a.behavior.scaleDown);
    const events = to > from ? this.upEvents : this.downEvents;
    const longest = Math.max(...(rules.policies ?? []).map((p) => p.periodSeconds)) * 1000;
    const kept = (events.get(a.key) ?? []).filter((e) => e.atMs > a.nowMs - longest);
    kept.push({ value: Math.abs(to - from), atMs: a.nowMs });
    events.set(a.key, kept);
  }

  /** The v1-era rules: a 5-minute downscale window, scale-up at most max(2×, 4). */
  private withoutBehavior(a: NormalizeArgs): Normalized {
    const recs = (this.recommendations.get(a.key) ?? []).filter((r) => r.atMs > a.nowMs - this.downscaleStabilizationMs);
    recs.push({ value: a.desired, atMs: a.nowMs });
    this.recommendations.set(a.key, recs);
    const stabilized = Math.max(...recs.map((r) => r.value));
    const upLimit = Math.max(SCALE_UP_LIMIT_FACTOR * a.current, SCALE_UP_LIMIT_MINIMUM);
    const [maxAllowed, over] = a.max > upLimit ? [upLimit, UP_LIMIT] : [a.max, TOO_MANY];
    let replicas = stabilized;
    let limit = WITHIN;
    if (stabilized < a.min) [replicas, limit] = [a.min, TOO_FEW];
    else if (stabilized > maxAllowed) [replicas, limit] = [maxAllowed, over];
    return { replicas, ableToScale: stabilized !== a.desired ? DOWN_STABILIZED : READY, limited: replicas !== stabilized, limit };
  }

  private withBehavior(a: NormalizeArgs): Normalized {
    const up = scaleUpRules(a.behavior!.scaleUp);
    const down = scaleDownRules(a.behavior!.scaleDown);
    const upWindow = (up.stabilizationWindowSeconds ?? 0) * 1000;
    const downWindow = down.stabilizationWindowSeconds !== undefined ? down.stabilizationWindowSeconds * 1000 : this.downscaleStabilizationMs;
    const goingUp = a.desired >= a.current;
    const window = goingUp ? upWindow : downWindow;
    const better = goingUp ? Math.min : Math.max;
    let stabilized = a.desired;
    const recs = (this.recommendations.get(a.key) ?? []).filter((r) => r.atMs >= a.nowMs - Math.max(upWindow, downWindow));
    for (const r of recs) if (r.atMs > a.nowMs - window) stabilized = better(stabilized, r.value);
    recs.push({ value: a.desired, atMs: a.nowMs });
    this.recommendations.set(a.key, recs);
    const ableToScale = stabilized !== a.desired ? (goingUp ? UP_STABILIZED : DOWN_STABILIZED) : READY;

    let replicas = stabilized;
    let limit = WITHIN;
    if (stabilized > a.current) {
      const rate = Math.max(this.scaleUpLimit(a, up), a.current);
      const [maxAllowed, why] = a.max > rate ? [rate, UP_LIMIT] : [a.max, TOO_MANY];
      if (stabilized > maxAllowed) [replicas, limit] = [maxAllowed, why];
    } else if (stabilized < a.current) {
      const rate = Math.min(this.scaleDownLimit(a, down), a.current);
      const [minAllowed, why] = a.min < rate ? [rate, DOWN_LIMIT] : [a.min, TOO_FEW];
      if (stabilized < minAllowed) [replicas, limit] = [minAllowed, why];
    }
    return { replicas, ableToScale, limited: replicas !== stabilized, limit };
  }

  /** How many replicas were added (up) or removed (down) within the last `periodSeconds`. */
  private changed(events: Map<string, Stamped[]>, a: NormalizeArgs, periodSeconds: number): number {
    return (events.get(a.key) ?? []).filter((e) => e.atMs > a.nowMs - periodSeconds * 1000).reduce((n, e) => n + e.value, 0);
  }

  private periodStart(a: NormalizeArgs, periodSeconds: number): number {
    return a.current - this.changed(this.upEvents, a, periodSeconds) + this.changed(this.downEvents, a, periodSeconds);
  }

  /** calculateScaleUpLimitWithScalingRules: selectPolicy picks among the policies' limits. */
  private scaleUpLimit(a: NormalizeArgs, rules: HPAScalingRules): number {
    if (rules.selectPolicy === 'Disabled') return a.current;
    const limits = (rules.policies ?? []).map((p) => {
      const start = this.periodStart(a, p.periodSeconds);
      return p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    });
    return rules.selectPolicy === 'Min' ? Math.min(...limits) : Math.max(...limits);
  }

  /** calculateScaleDownLimitWithBehaviors: Max allows the largest change, i.e. the lowest count. */
  private scaleDownLimit(a: NormalizeArgs, rules: HPAScalingRules): number {
    if (rules.selectPolicy === 'Disabled') return a.current;
    const limits = (rules.policies ?? []).map((p) => {
      const start = this.periodStart(a, p.periodSeconds);
      return p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    });
    return rules.selectPolicy === 'Min' ? Math.max(...limits) : Math.min(...limits);
  }
}
