// What the StatefulSet controller decides from cached state (pkg/controller/statefulset
// stateful_set_control.go, stateful_set_utils.go): the pod and claims of each ordinal, which
// ordinals to create and which pods to delete next, and the status the pods amount to.
// OrderedReady waits for each pod to be Running and Ready before the next step; Parallel
// creates and deletes all at once. Rolling updates replace one pod at a time, highest ordinal
// first, down to the partition.

import type { StatefulSet, StatefulSetStatus } from '../apis/apps/statefulsets.js';
import type { PersistentVolumeClaim } from '../apis/core/persistent-volumes.js';
import type { PodTemplateSpec } from '../apis/core/pod-template.js';
import type { KubeObject } from '../apis/types.js';
import { newControllerRef } from './controller-ref.js';
import { isPodReady, isPodTerminal } from './replicaset-pods.js';
import { omitZero } from './workloads-status.js';

export const REVISION_LABEL = 'controller-revision-hash';
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

/** The ordinal a pod's name gives it for this set, or undefined if it is not one of its names. */
export function ordinalOf(sts: StatefulSet, pod: KubeObject): number | undefined {
  const m = /^(.*)-([0-9]+)$/.exec(pod.metadata.name ?? '');
  return m && m[1] === sts.metadata.name ? Number(m[2]) : undefined;
}

export const claimName = (sts: StatefulSet, template: PersistentVolumeClaim, ordinal: number): string =>
  `${template.metadata.name}-${sts.metadata.name}-${ordinal}`;

/** The claims of one ordinal, as getPersistentVolumeClaims makes them. */
export function claimsFor(sts: StatefulSet, ordinal: number): PersistentVolumeClaim[] {
  const retention = sts.spec?.persistentVolumeClaimRetentionPolicy ?? {};
  const owned = retention.whenDeleted === 'Delete';
  return (sts.spec?.volumeClaimTemplates ?? []).map((t) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: claimName(sts, t, ordinal),
      namespace: sts.metadata.namespace,
      labels: { ...(t.metadata.labels ?? {}), ...(sts.spec?.selector?.matchLabels ?? {}) },
      ...(t.metadata.annotations ? { annotations: t.metadata.annotations } : {}),
      // Retain (the default) leaves claims behind when the set goes, so data outlives it.
      ...(owned ? { ownerReferences: [{ ...newControllerRef(sts), controller: false }] } : {}),
    },
    spec: structuredClone(t.spec ?? {}),
  }));
}

/** newVersionedStatefulSetPod: the pod of one ordinal at one revision. */
export function statefulSetPod(sts: StatefulSet, template: PodTemplateSpec | undefined, ordinal: number, revision: string): KubeObject {
  const t = structuredClone(template ?? {});
  const name = `${sts.metadata.name}-${ordinal}`;
  const spec = t.spec ?? {};
  const claimVolumes = (sts.spec?.volumeClaimTemplates ?? []).map((c) => ({
    name: c.metadata.name,
    persistentVolumeClaim: { claimName: claimName(sts, c, ordinal) },
  }));
  const claimed = new Set(claimVolumes.map((v) => v.name));
  const volumes = [...((spec.volumes as { name: string }[] | undefined) ?? []).filter((v) => !claimed.has(v.name)), ...claimVolumes];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: sts.metadata.namespace,
      labels: { ...(t.metadata?.labels ?? {}), [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [REVISION_LABEL]: revision },
      ...(t.metadata?.annotations ? { annotations: t.metadata.annotations } : {}),
      ownerReferences: [newControllerRef(sts)],
    },
    spec: {
      ...spec,
      ...(volumes.length ? { volumes } : {}),
      hostname: name,
      ...(sts.spec?.serviceName ? { subdomain: sts.spec.serviceName } : {}),
    },
  };
}

const isHealthy = (pod: KubeObject): boolean => pod.status?.phase === 'Running' && isPodReady(pod) && !pod.metadata.deletionTimestamp;

export interface Plan {
  /** Ordinals whose pod is to be created (at the update revision). */
  create: number[];
  /** Pods to delete: failed ones, surplus ones, ones of an old revision. */
  delete: KubeObject[];
}

/**
 * The next steps toward spec: create missing pods, replace failed ones, remove surplus ones
 * (highest ordinal first), then roll pods of other revisions to `updateRevision`.
 */
export function planStatefulSet(sts: StatefulSet, pods: KubeObject[], updateRevision: string): Plan {
  const plan: Plan = { create: [], delete: [] };
  const monotonic = sts.spec?.podManagementPolicy !== 'Parallel';
  const start = sts.spec?.ordinals?.start ?? 0;
  const end = start + (sts.spec?.replicas ?? 1);
  const byOrdinal = new Map<number, KubeObject>();
  for (const p of pods) {
    const o = ordinalOf(sts, p);
    if (o !== undefined) byOrdinal.set(o, p);
  }
  let allHealthy = true;
  for (let o = start; o < end; o++) {
    const pod = byOrdinal.get(o);
    if (!pod) plan.create.push(o);
    else if (isPodTerminal(pod) && !pod.metadata.deletionTimestamp) plan.delete.push(pod);
    if (!pod || !isHealthy(pod)) {
      allHealthy = false;
      if (monotonic) return plan;
    }
  }
  const condemned = [...byOrdinal.entries()].filter(([o]) => o < start || o >= end).sort(([a], [b]) => b - a);
  for (const [, pod] of condemned) {
    if (monotonic && !allHealthy) return plan;
    if (pod.metadata.deletionTimestamp) {
      if (monotonic) return plan;
      continue;
    }
    plan.delete.push(pod);
    if (monotonic) return plan;
  }
  if (!allHealthy || condemned.length || sts.spec?.updateStrategy?.type !== 'RollingUpdate') return plan;
  const partition = sts.spec.updateStrategy.rollingUpdate?.partition ?? 0;
  for (let o = end - 1; o >= start + partition; o--) {
    const pod = byOrdinal.get(o)!;
    if (pod.metadata.labels?.[REVISION_LABEL] !== updateRevision) {
      plan.delete.push(pod);
      break;
    }
  }
  return plan;
}

/** computeReplicaStatus and the revision bookkeeping of updateStatefulSetStatus. */
export function statefulSetStatus(sts: StatefulSet, pods: KubeObject[], currentRevision: string, updateRevision: string): StatefulSetStatus {
  let replicas = 0;
  let ready = 0;
  let current = 0;
  let updated = 0;
  for (const p of pods) {
    if (ordinalOf(sts, p) === undefined) continue;
    replicas++;
    if (isHealthy(p)) ready++;
    if (p.metadata.deletionTimestamp) continue;
    const rev = p.metadata.labels?.[REVISION_LABEL];
    if (rev === currentRevision) current++;
    if (rev === updateRevision) updated++;
  }
  const want = sts.spec?.replicas ?? 1;
  // A finished rolling update makes the update revision the current one.
  const done = sts.spec?.updateStrategy?.type === 'RollingUpdate' && updated === want && ready === want && replicas === want;
  const status: StatefulSetStatus = {
    observedGeneration: sts.metadata.generation,
    replicas,
    readyReplicas: ready,
    currentReplicas: done ? updated : current,
    updatedReplicas: updated,
    currentRevision: done ? updateRevision : currentRevision,
    updateRevision,
    collisionCount: sts.status?.collisionCount ?? 0,
    availableReplicas: ready,
  };
  return omitZero(status, ['readyReplicas', 'currentReplicas', 'updatedReplicas']);
}
