// The arithmetic of a rollout (pkg/controller/deployment/util and rolling.go), as pure
// functions over ReplicaSets: how far the new ReplicaSet may grow (maxSurge), how far the old
// ones may shrink (maxUnavailable), proportional scaling, and which old ReplicaSets history
// keeps. Each returns the replica counts to set; deployment.ts applies them.

import type { Deployment } from '../apis/apps/deployments.js';
import type { ReplicaSet } from '../apis/apps/replicasets.js';

export const REVISION = 'deployment.kubernetes.io/revision';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';

export type IntOrPercent = number | string | undefined;

/** A scaling decision: set rs's spec.replicas to `replicas`. */
export interface Scale {
  rs: ReplicaSet;
  replicas: number;
}

export const specReplicas = (x: { spec?: { replicas?: number } }): number => x.spec?.replicas ?? 0;
const sum = (rss: ReplicaSet[], f: (rs: ReplicaSet) => number): number => rss.reduce((n, rs) => n + f(rs), 0);
export const totalSpecReplicas = (rss: ReplicaSet[]): number => sum(rss, specReplicas);
export const totalAvailable = (rss: ReplicaSet[]): number => sum(rss, (rs) => rs.status?.availableReplicas ?? 0);

/** intstr.GetScaledValueFromIntOrPercent: a percent of total, rounded up or down. */
export function scaledValue(v: IntOrPercent, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  if (v === undefined) return 0;
  const pct = parseInt(v, 10);
  const exact = (pct * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** ResolveFenceposts: surge rounds up, unavailability down; both 0 would stall, so 1 unavailable. */
export function fenceposts(d: Deployment): { maxSurge: number; maxUnavailable: number } {
  const ru = d.spec?.strategy?.rollingUpdate;
  const replicas = specReplicas(d);
  const maxSurge = scaledValue(ru?.maxSurge, replicas, true);
  const maxUnavailable = scaledValue(ru?.maxUnavailable, replicas, false);
  return maxSurge === 0 && maxUnavailable === 0 ? { maxSurge, maxUnavailable: 1 } : { maxSurge, maxUnavailable };
}

const isRolling = (d: Deployment): boolean => (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';

export function maxUnavailable(d: Deployment): number {
  if (!isRolling(d) || specReplicas(d) === 0) return 0;
  return Math.min(fenceposts(d).maxUnavailable, specReplicas(d));
}

export function maxSurge(d: Deployment): number {
  return isRolling(d) ? fenceposts(d).maxSurge : 0;
}

/** NewRSNewReplicas: the new ReplicaSet grows while all pods stay within replicas + maxSurge. */
export function newRSReplicas(d: Deployment, all: ReplicaSet[], newRS: ReplicaSet): number {
  if (!isRolling(d)) return specReplicas(d);
  const maxTotal = specReplicas(d) + maxSurge(d);
  const current = totalSpecReplicas(all);
  if (current >= maxTotal) return specReplicas(newRS);
  return specReplicas(newRS) + Math.min(maxTotal - current, specReplicas(d) - specReplicas(newRS));
}

const byCreation = (a: ReplicaSet, b: ReplicaSet): number =>
  (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || a.metadata.name!.localeCompare(b.metadata.name!);

/**
 * reconcileOldReplicaSets: first shrink old ReplicaSets by their unavailable pods (which cost
 * no availability), then by available ones as far as minAvailable allows. Oldest first.
 */
export function scaleDownOld(d: Deployment, all: ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet | undefined): Scale[] {
  if (totalSpecReplicas(oldRSs) === 0) return [];
  const minAvailable = specReplicas(d) - maxUnavailable(d);
  const newUnavailable = newRS ? specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0) : 0;
  const maxScaledDown = totalSpecReplicas(all) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return [];
  const target = new Map(oldRSs.map((rs) => [rs, specReplicas(rs)]));
  const sorted = [...oldRSs].sort(byCreation);
  let cleaned = 0;
  for (const rs of sorted) {
    if (cleaned >= maxScaledDown) break;
    const unhealthy = specReplicas(rs) - (rs.status?.availableReplicas ?? 0);
    if (specReplicas(rs) === 0 || unhealthy <= 0) continue;
    const n = Math.min(maxScaledDown - cleaned, unhealthy);
    target.set(rs, specReplicas(rs) - n);
    cleaned += n;
  }
  // Available pods may go only as far as minAvailable (counted over all ReplicaSets).
  const available = totalAvailable(all);
  let budget = available - minAvailable;
  for (const rs of sorted) {
    if (budget <= 0) break;
    const current = target.get(rs)!;
    if (current === 0) continue;
    const n = Math.min(current, budget);
    target.set(rs, current - n);
    budget -= n;
  }
  return oldRSs.filter((rs) => target.get(rs) !== specReplicas(rs)).map((rs) => ({ rs, replicas: target.get(rs)! }));
}

/** The replicas a ReplicaSet was sized for (its desired-replicas annotation). */
const desiredOf = (rs: ReplicaSet): number | undefined => {
  const v = rs.metadata.annotations?.[DESIRED_REPLICAS];
  return v === undefined ? undefined : Number(v);
};

/** IsSaturated: the new ReplicaSet is all there is to the Deployment and fully available. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  return !!rs && desiredOf(rs) === specReplicas(d) && specReplicas(rs) === specReplicas(d) && rs.status?.availableReplicas === specReplicas(d);
}

/** isScalingEvent: replicas changed since the active ReplicaSets were sized. */
export function isScalingEvent(d: Deployment, active: ReplicaSet[]): boolean {
  return active.some((rs) => desiredOf(rs) !== undefined && desiredOf(rs) !== specReplicas(d));
}

const isActive = (rs: ReplicaSet | undefined): rs is ReplicaSet => !!rs && specReplicas(rs) > 0;

/** getReplicaSetFraction: how rs's size changes when the Deployment's maximum size changes. */
function fraction(d: Deployment, rs: ReplicaSet): number {
  if (specReplicas(d) === 0) return -specReplicas(rs);
  const maxNow = specReplicas(d) + maxSurge(d);
  const maxBefore = Number(rs.metadata.annotations?.[MAX_REPLICAS] ?? 0) || (d.status?.replicas ?? 0);
  if (!maxBefore) return 0;
  // Go's math.Round: halves away from zero.
  const exact = (specReplicas(rs) * maxNow) / maxBefore;
  return Math.sign(exact) * Math.round(Math.abs(exact)) - specReplicas(rs);
}

/**
 * scale(): a replicas change outside a rollout step (a scaling event, or a paused Deployment).
 * One active ReplicaSet (or none: the newest) takes the new size; a saturated new ReplicaSet
 * leaves the old ones at 0; otherwise the change is spread in proportion to each ReplicaSet's
 * share, the leftover going to the largest (newest when adding, oldest when removing).
 */
export function proportionalScale(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Scale[] {
  const changed = (rs: ReplicaSet, replicas: number): Scale[] => (specReplicas(rs) === replicas ? [] : [{ rs, replicas }]);
  const active = [...oldRSs, newRS].filter(isActive);
  if (active.length <= 1) {
    const newestOld = [...oldRSs].sort(byCreation).pop();
    const target = active[0] ?? newRS ?? newestOld;
    return target ? changed(target, specReplicas(d)) : [];
  }
  if (isSaturated(d, newRS)) return oldRSs.filter(isActive).flatMap((rs) => changed(rs, 0));
  if (!isRolling(d)) return [];
  const allowed = specReplicas(d) > 0 ? specReplicas(d) + maxSurge(d) : 0;
  const toAdd = allowed - totalSpecReplicas(active);
  if (toAdd === 0) return [];
  const sorted = [...active].sort((a, b) => specReplicas(b) - specReplicas(a) || (toAdd > 0 ? byCreation(b, a) : byCreation(a, b)));
  let added = 0;
  const target = new Map<ReplicaSet, number>();
  for (const rs of sorted) {
    const allowedLeft = toAdd - added;
    const share = allowedLeft === 0 ? 0 : toAdd > 0 ? Math.min(fraction(d, rs), allowedLeft) : Math.max(fraction(d, rs), allowedLeft);
    target.set(rs, specReplicas(rs) + share);
    added += share;
  }
  target.set(sorted[0], Math.max(0, target.get(sorted[0])! + toAdd - added));
  return sorted.flatMap((rs) => changed(rs, target.get(rs)!));
}

/** cleanupDeployment: the oldest fully scaled-down ReplicaSets beyond revisionHistoryLimit. */
export function historyToDelete(d: Deployment, oldRSs: ReplicaSet[]): ReplicaSet[] {
  const limit = d.spec?.revisionHistoryLimit;
  if (limit === undefined) return [];
  const alive = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
  const excess = alive.length - limit;
  if (excess <= 0) return [];
  return alive
    .sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b))
    .filter((rs) => specReplicas(rs) === 0 && (rs.status?.replicas ?? 0) === 0 && (rs.status?.observedGeneration ?? 0) >= (rs.metadata.generation ?? 0))
    .slice(0, excess);
}

export function revisionOf(obj: { metadata: { annotations?: Record<string, string> } }): number {
  const n = Number(obj.metadata.annotations?.[REVISION] ?? 0);
  return Number.isFinite(n) ? n : 0;
}
