// How many replicas one resource metric asks for (pkg/controller/podautoscaler/replica_calculator.go):
// the pods' usage against their requests (Utilization) or a per-pod value (AverageValue), with
// the tolerance, and the upstream treatment of pods that cannot be trusted yet:
//
//   ignored  deleted or Failed pods: left out entirely
//   unready  Pending pods, and for CPU pods still in their initialization period that are not
//            Ready or whose sample predates readiness: counted as 0% only when scaling up
//   missing  no metric yet: counted as 0% when scaling up, as 100% (of the target at least)
//            when scaling down, so neither direction is exaggerated
//
// and the rule that a recomputation which flips direction changes nothing. Pure: inputs in.

export interface PodFacts {
  name: string;
  phase?: string;
  deleting: boolean;
  ready: boolean;
  /** When the Ready condition last changed, ms. */
  readyTransitionMs?: number;
  /** status.startTime, ms. */
  startMs?: number;
  /** The sum of the containers' requests of the resource (cores or bytes); undefined when one
   *  container has none. */
  request?: number;
  /** The first container without a request (for the error's words). */
  missingRequestContainer?: string;
}

export interface PodSample {
  /** Cores or bytes, summed over the pod's containers. */
  value: number;
  timestampMs: number;
  windowMs: number;
}

export interface CalculatorConfig {
  tolerance: number;
  cpuInitializationPeriodMs: number;
  delayOfInitialReadinessStatusMs: number;
}

/** kube-controller-manager's defaults. */
export const DEFAULT_CALCULATOR: CalculatorConfig = { tolerance: 0.1, cpuInitializationPeriodMs: 5 * 60_000, delayOfInitialReadinessStatusMs: 30_000 };

export type Target = { utilization: number } | { averageValue: number };

export interface Recommendation {
  replicas: number;
  /** The pods' utilization of their requests, percent (Utilization targets). */
  utilization?: number;
  /** The average per pod (cores or bytes) over the pods with samples. */
  averageValue: number;
  /** The oldest sample's time. */
  timestampMs: number;
}

function groupPods(pods: PodFacts[], samples: Map<string, PodSample>, resource: string, nowMs: number, cfg: CalculatorConfig) {
  let ready = 0;
  const unready = new Set<string>();
  const missing = new Set<string>();
  const ignored = new Set<string>();
  for (const pod of pods) {
    if (pod.deleting || pod.phase === 'Failed') {
      ignored.add(pod.name);
      continue;
    }
    if (pod.phase === 'Pending') {
      unready.add(pod.name);
      continue;
    }
    const sample = samples.get(pod.name);
    if (!sample) {
      missing.add(pod.name);
      continue;
    }
    let isUnready = false;
    if (resource === 'cpu') {
      if (pod.startMs === undefined || pod.readyTransitionMs === undefined) isUnready = true;
      else if (pod.startMs + cfg.cpuInitializationPeriodMs > nowMs) isUnready = !pod.ready || sample.timestampMs < pod.readyTransitionMs + sample.windowMs;
      else isUnready = !pod.ready && pod.startMs + cfg.delayOfInitialReadinessStatusMs > pod.readyTransitionMs;
    }
    if (isUnready) unready.add(pod.name);
    else ready++;
  }
  return { ready, unready, missing, ignored };
}

/** The usage ratio against the target over `values`, and the figures status reports. */
function ratio(values: Map<string, number>, requests: Map<string, number>, target: Target): { ratio: number; utilization?: number; average: number } {
  let sum = 0;
  let requested = 0;
  for (const [name, v] of values) {
    sum += v;
    requested += requests.get(name) ?? 0;
  }
  const average = values.size ? sum / values.size : 0;
  if ('utilization' in target) {
    const utilization = Math.trunc((sum * 100) / requested);
    return { ratio: utilization / target.utilization, utilization, average };
  }
  return { ratio: average / target.averageValue, average };
}

export function resourceReplicas(
  currentReplicas: number,
  target: Target,
  resource: string,
  pods: PodFacts[],
  samples: Map<string, PodSample>,
  nowMs: number,
  cfg: CalculatorConfig = DEFAULT_CALCULATOR,
): Recommendation {
  if (!pods.length) throw new Error('no pods returned by selector while calculating replica count');
  const { ready, unready, missing, ignored } = groupPods(pods, samples, resource, nowMs, cfg);
  const values = new Map<string, number>();
  for (const [name, s] of samples) if (!ignored.has(name) && !unready.has(name) && pods.some((p) => p.name === name)) values.set(name, s.value);
  if (!values.size) throw new Error('did not receive metrics for targeted pods (pods might be unready)');
  const requests = new Map<string, number>();
  if ('utilization' in target) {
    for (const pod of pods) {
      if (pod.request === undefined || pod.request === 0) throw new Error(`missing request for ${resource} in container ${pod.missingRequestContainer ?? ''} of Pod ${pod.name}`);
      requests.set(pod.name, pod.request);
    }
  }
  const timestampMs = Math.min(...[...values.keys()].map((n) => samples.get(n)!.timestampMs));
  const first = ratio(values, requests, target);
  const result = (replicas: number): Recommendation => ({ replicas, utilization: first.utilization, averageValue: first.average, timestampMs });

  const scaleUpWithUnready = unready.size > 0 && first.ratio > 1;
  if (!scaleUpWithUnready && !missing.size) {
    if (Math.abs(1 - first.ratio) <= cfg.tolerance) return result(currentReplicas);
    return result(Math.ceil(first.ratio * ready));
  }
  // Assume the worst for the direction we would go: missing pods at 100% (or the target, if
  // higher) when scaling down, at 0 when scaling up; unready pods at 0 when scaling up.
  for (const name of missing) {
    if (first.ratio < 1) {
      const fallback = 'utilization' in target ? (requests.get(name)! * Math.max(100, target.utilization)) / 100 : target.averageValue;
      values.set(name, fallback);
    } else {
      values.set(name, 0);
    }
  }
  if (scaleUpWithUnready) for (const name of unready) values.set(name, 0);
  const second = ratio(values, requests, target);
  if (Math.abs(1 - second.ratio) <= cfg.tolerance || (first.ratio < 1 && second.ratio > 1) || (first.ratio > 1 && second.ratio < 1)) return result(currentReplicas);
  const replicas = Math.ceil(second.ratio * values.size);
  if ((second.ratio < 1 && replicas > currentReplicas) || (second.ratio > 1 && replicas < currentReplicas)) return result(currentReplicas);
  return result(replicas);
}
