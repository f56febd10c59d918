// A Deployment's status from its ReplicaSets (calculateStatus) and its conditions with the
// reasons kubectl reads: Available (MinimumReplicasAvailable/Unavailable) and Progressing
// (NewReplicaSetCreated, FoundNewReplicaSet, ReplicaSetUpdated, NewReplicaSetAvailable,
// ProgressDeadlineExceeded, DeploymentPaused, DeploymentResumed). `kubectl rollout status`
// waits on observedGeneration, the replica counts and ProgressDeadlineExceeded.

import type { Deployment } from '../apis/apps/deployments.js';
import type { ReplicaSet } from '../apis/apps/replicasets.js';
import { rfc3339 } from '../util/time.js';
import { maxUnavailable, specReplicas, totalAvailable, totalSpecReplicas } from './deployment-rollout.js';
import { omitZero } from './workloads-status.js';

export interface DeploymentCondition {
  type: 'Available' | 'Progressing' | 'ReplicaFailure';
  status: 'True' | 'False' | 'Unknown';
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason: string;
  message: string;
}

export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  collisionCount?: number;
  conditions?: DeploymentCondition[];
}

export const REASON = {
  newRSCreated: 'NewReplicaSetCreated',
  foundNewRS: 'FoundNewReplicaSet',
  rsUpdated: 'ReplicaSetUpdated',
  newRSAvailable: 'NewReplicaSetAvailable',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
  failedCreate: 'ReplicaSetCreateError',
} as const;

export const statusOf = (d: Deployment): DeploymentStatus => (d.status ?? {}) as DeploymentStatus;

export function conditionOf(s: DeploymentStatus, type: DeploymentCondition['type']): DeploymentCondition | undefined {
  return s.conditions?.find((c) => c.type === type);
}

export function newCondition(type: DeploymentCondition['type'], status: DeploymentCondition['status'], reason: string, message: string, now: Date): DeploymentCondition {
  const t = rfc3339(now);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

/** SetDeploymentCondition: same status and reason change nothing; same status keeps the transition time. */
export function setCondition(s: DeploymentStatus, c: DeploymentCondition): DeploymentStatus {
  const current = conditionOf(s, c.type);
  if (current && current.status === c.status && current.reason === c.reason) return s;
  const next = current && current.status === c.status ? { ...c, lastTransitionTime: current.lastTransitionTime } : c;
  return { ...s, conditions: [...(s.conditions ?? []).filter((x) => x.type !== c.type), next] };
}

export function removeCondition(s: DeploymentStatus, type: DeploymentCondition['type']): DeploymentStatus {
  const conditions = (s.conditions ?? []).filter((c) => c.type !== type);
  const { conditions: _drop, ...rest } = s;
  return conditions.length ? { ...rest, conditions } : rest;
}

const hasDeadline = (d: Deployment): boolean => d.spec?.progressDeadlineSeconds !== undefined && d.spec.progressDeadlineSeconds !== 2 ** 31 - 1;

export function calculateStatus(d: Deployment, all: ReplicaSet[], newRS: ReplicaSet | undefined, now: Date): DeploymentStatus {
  const available = totalAvailable(all);
  const prev = statusOf(d);
  let s: DeploymentStatus = {
    observedGeneration: d.metadata.generation,
    replicas: all.reduce((n, rs) => n + (rs.status?.replicas ?? 0), 0),
    updatedReplicas: newRS?.status?.replicas ?? 0,
    readyReplicas: all.reduce((n, rs) => n + (rs.status?.readyReplicas ?? 0), 0),
    availableReplicas: available,
    // More available than desired (while scaling down) is not negative unavailability.
    unavailableReplicas: Math.max(0, totalSpecReplicas(all) - available),
    ...(prev.collisionCount !== undefined ? { collisionCount: prev.collisionCount } : {}),
    ...(prev.conditions?.length ? { conditions: prev.conditions } : {}),
  };
  s =
    available >= specReplicas(d) - maxUnavailable(d)
      ? setCondition(s, newCondition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', now))
      : setCondition(s, newCondition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.', now));
  return omitZero(s, ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas']);
}

/** DeploymentComplete: every replica updated and available, the latest spec observed. */
export function isComplete(d: Deployment, s: DeploymentStatus): boolean {
  const n = specReplicas(d);
  const [updated, replicas, available] = [s.updatedReplicas ?? 0, s.replicas ?? 0, s.availableReplicas ?? 0];
  return updated === n && replicas === n && available === n && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

function isProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = statusOf(d);
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    oldOld > newOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

function isTimedOut(d: Deployment, s: DeploymentStatus, now: Date): boolean {
  const c = conditionOf(s, 'Progressing');
  if (!hasDeadline(d) || !c || c.reason === REASON.newRSAvailable) return false;
  if (c.reason === REASON.timedOut) return true;
  return Date.parse(c.lastUpdateTime ?? '') + d.spec!.progressDeadlineSeconds! * 1000 < now.getTime();
}

/** syncRolloutStatus: the status after a rollout step, with progress estimated. */
export function rolloutStatus(d: Deployment, all: ReplicaSet[], newRS: ReplicaSet | undefined, now: Date): DeploymentStatus {
  let s = calculateStatus(d, all, newRS, now);
  if (!hasDeadline(d)) return removeCondition(s, 'Progressing');
  const current = conditionOf(statusOf(d), 'Progressing');
  const done = s.replicas === s.updatedReplicas && current?.reason === REASON.newRSAvailable;
  if (done) return s;
  const subject = newRS ? `ReplicaSet "${newRS.metadata.name}"` : `Deployment "${d.metadata.name}"`;
  if (isComplete(d, s)) {
    s = setCondition(s, newCondition('Progressing', 'True', REASON.newRSAvailable, `${subject} has successfully progressed.`, now));
  } else if (isProgressing(d, s)) {
    // Progress refreshes lastUpdateTime even with the same reason (the deadline counts from it).
    const c = newCondition('Progressing', 'True', REASON.rsUpdated, `${subject} is progressing.`, now);
    if (current?.status === 'True') c.lastTransitionTime = current.lastTransitionTime;
    const rest = removeCondition(s, 'Progressing');
    s = { ...rest, conditions: [...(rest.conditions ?? []), c] };
  } else if (isTimedOut(d, s, now)) {
    s = setCondition(s, newCondition('Progressing', 'False', REASON.timedOut, `${subject} has timed out progressing.`, now));
  }
  return s;
}

/** When a rollout still in progress would time out, to look at it again then (requeueStuckDeployment). */
export function msUntilDeadline(d: Deployment, s: DeploymentStatus, now: Date): number | undefined {
  const c = conditionOf(s, 'Progressing');
  if (!hasDeadline(d) || c?.status !== 'True' || c.reason === REASON.newRSAvailable || isComplete(d, s)) return undefined;
  return Math.max(0, Date.parse(c.lastUpdateTime ?? '') + d.spec!.progressDeadlineSeconds! * 1000 - now.getTime()) + 1000;
}

/** checkPausedConditions: Progressing Unknown while paused, and once resumed. */
export function pausedStatus(d: Deployment, now: Date): DeploymentStatus | undefined {
  const s = statusOf(d);
  const c = conditionOf(s, 'Progressing');
  if (!hasDeadline(d) || c?.reason === REASON.timedOut) return undefined;
  const pausedShown = c?.reason === REASON.paused;
  if (d.spec?.paused && !pausedShown) return setCondition(s, newCondition('Progressing', 'Unknown', REASON.paused, 'Deployment is paused', now));
  if (!d.spec?.paused && pausedShown) return setCondition(s, newCondition('Progressing', 'Unknown', REASON.resumed, 'Deployment is resumed', now));
  return undefined;
}
