// Pod predicates the workload controllers decide with (pkg/api/v1/pod/util.go, controller_utils.go)
// and the order in which a ReplicaSet gives up surplus pods (ActivePodsWithRanks): the pods
// that cost least to lose go first.

import type { KubeObject } from '../apis/types.js';
import { jsonEqual } from '../util/json-equal.js';
import { controllerOf } from './controller-ref.js';

interface Condition {
  type: string;
  status: string;
  lastTransitionTime?: string;
}

const conditionOf = (pod: KubeObject, type: string): Condition | undefined =>
  (pod.status?.conditions as Condition[] | undefined)?.find((c) => c.type === type);

export const isPodTerminal = (pod: KubeObject): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

/** Counts toward replicas: not finished and not being deleted (FilterActivePods). */
export const isPodActive = (pod: KubeObject): boolean => !isPodTerminal(pod) && !pod.metadata.deletionTimestamp;

export const isPodReady = (pod: KubeObject): boolean => conditionOf(pod, 'Ready')?.status === 'True';

/** When the pod's Ready condition last changed (availability counts from it). */
export const readySince = (pod: KubeObject): string | undefined => conditionOf(pod, 'Ready')?.lastTransitionTime;

/** Ready for at least minReadySeconds (IsPodAvailable). */
export function isPodAvailable(pod: KubeObject, minReadySeconds: number, now: Date): boolean {
  const ready = conditionOf(pod, 'Ready');
  if (ready?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = Date.parse(ready.lastTransitionTime ?? '');
  return Number.isFinite(since) && since + minReadySeconds * 1000 <= now.getTime();
}

/** Seconds until a ready pod becomes available, or undefined when it never will by waiting. */
export function secondsUntilAvailable(pod: KubeObject, minReadySeconds: number, now: Date): number | undefined {
  const ready = conditionOf(pod, 'Ready');
  if (ready?.status !== 'True' || minReadySeconds <= 0) return undefined;
  const left = Date.parse(ready.lastTransitionTime ?? '') + minReadySeconds * 1000 - now.getTime();
  return left > 0 ? Math.ceil(left / 1000) : undefined;
}

/** How a pod's change concerns its ReplicaSet: 'manage' when it can change what the ReplicaSet
 *  must do (its controller, labels, being active), 'status' when only its readiness (or since
 *  when) changed, undefined when neither (a binding, a Running-but-not-Ready status). */
export function podChangeFor(old: KubeObject, pod: KubeObject): 'manage' | 'status' | undefined {
  if (controllerOf(old)?.uid !== controllerOf(pod)?.uid || isPodActive(old) !== isPodActive(pod) || !jsonEqual(old.metadata.labels, pod.metadata.labels)) {
    return 'manage';
  }
  return isPodReady(old) !== isPodReady(pod) || readySince(old) !== readySince(pod) ? 'status' : undefined;
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };
const DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

const restarts = (pod: KubeObject): number =>
  ((pod.status?.containerStatuses as { restartCount?: number }[] | undefined) ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);
const time = (s: string | null | undefined): number => (s ? Date.parse(s) : 0);

/**
 * Sorts pods so that the first ones are the ones to delete: unscheduled before scheduled,
 * pending before running, not ready before ready, lower deletion cost, more pods of the same
 * owner family on its node, ready for less time, more restarts, newer.
 * `related` are the pods of the owner and its siblings (to count doubled-up nodes).
 */
export function rankPodsForDeletion<T extends KubeObject>(pods: T[], related: KubeObject[]): T[] {
  const perNode = new Map<string, number>();
  for (const p of related) if (p.spec?.nodeName && isPodActive(p)) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
  const key = (p: KubeObject): number[] => {
    const ready = isPodReady(p);
    return [
      p.spec?.nodeName ? 1 : 0,
      PHASE_RANK[p.status?.phase ?? 'Pending'] ?? 0,
      ready ? 1 : 0,
      Number(p.metadata.annotations?.[DELETION_COST] ?? 0) || 0,
      -(perNode.get(p.spec?.nodeName ?? '') ?? 0),
      ready ? -time(conditionOf(p, 'Ready')?.lastTransitionTime) : 0,
      -restarts(p),
      -time(p.metadata.creationTimestamp),
    ];
  };
  const keys = new Map(pods.map((p) => [p, key(p)]));
  return [...pods].sort((a, b) => {
    const [ka, kb] = [keys.get(a)!, keys.get(b)!];
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] - kb[i];
    return 0;
  });
}
