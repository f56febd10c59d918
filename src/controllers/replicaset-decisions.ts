// What the ReplicaSet controller decides, without effects: the pod it creates from a
// template (GetPodFromTemplate), the status its pods amount to (calculateStatus), and how many
// pods it creates per round (slow start).

import type { KubeObject } from '../apis/types.js';
import type { ReplicaSet } from '../apis/apps/replicasets.js';
import type { WorkloadStatus } from '../apis/apps/workload.js';
import { rfc3339 } from '../util/time.js';
import { newControllerRef } from './controller-ref.js';
import { isPodAvailable, isPodReady } from './replicaset-pods.js';
import { omitZero } from './workloads-status.js';

/** Most pods created or deleted in one sync (kube-controller-manager's burstReplicas). */
export const BURST_REPLICAS = 500;

export function podFromTemplate(rs: ReplicaSet): KubeObject {
  const t = structuredClone(rs.spec?.template ?? {});
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${rs.metadata.name}-`,
      namespace: rs.metadata.namespace,
      ...(t.metadata?.labels ? { labels: t.metadata.labels } : {}),
      ...(t.metadata?.annotations ? { annotations: t.metadata.annotations } : {}),
      ...(t.metadata?.finalizers ? { finalizers: t.metadata.finalizers } : {}),
      ownerReferences: [newControllerRef(rs)],
    },
    spec: t.spec ?? {},
  };
}

/** Batch sizes 1, 2, 4, ... adding up to n: a failing create stops after few attempts. */
export function slowStartBatches(n: number): number[] {
  const out: number[] = [];
  for (let size = 1, left = n; left > 0; size *= 2) {
    out.push(Math.min(size, left));
    left -= out[out.length - 1];
  }
  return out;
}

interface RSCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** The status of rs given the active pods it owns; `failure` is a create/delete error. */
export function replicaSetStatus(rs: ReplicaSet, pods: KubeObject[], now: Date, failure?: { reason: string; message: string }): WorkloadStatus {
  const templateLabels = rs.spec?.template?.metadata?.labels ?? {};
  const minReady = rs.spec?.minReadySeconds ?? 0;
  const fullyLabeled = pods.filter((p) => Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v));
  const old = (rs.status?.conditions as RSCondition[] | undefined) ?? [];
  let conditions = old.filter((c) => c.type !== 'ReplicaFailure');
  if (failure) {
    const prev = old.find((c) => c.type === 'ReplicaFailure');
    conditions = [...conditions, { type: 'ReplicaFailure', status: 'True', ...failure, lastTransitionTime: prev?.lastTransitionTime ?? rfc3339(now) }];
  }
  const status: WorkloadStatus = {
    replicas: pods.length,
    fullyLabeledReplicas: fullyLabeled.length,
    readyReplicas: pods.filter(isPodReady).length,
    availableReplicas: pods.filter((p) => isPodAvailable(p, minReady, now)).length,
    observedGeneration: rs.metadata.generation,
    ...(conditions.length ? { conditions } : {}),
  };
  return omitZero(status, ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas']);
}
