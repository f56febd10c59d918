// What the DaemonSet controller decides (pure; pkg/controller/daemon): which nodes should run
// the daemon pod (the scheduler's filters, with the tolerations every daemon pod gets), the pod
// for a node, which pods to create and delete, and the status they amount to. Rolling updates
// delete old pods while no more than maxUnavailable nodes lack an available one.

import type { DaemonSet, DaemonSetStatus } from '../apis/apps/daemonsets.js';
import type { Node } from '../apis/core/nodes.js';
import type { Toleration } from '../apis/core/tolerations.js';
import type { KubeObject } from '../apis/types.js';
import { newControllerRef } from './controller-ref.js';
import { scaledValue } from './deployment-rollout.js';
import { isPodReady, isPodTerminal } from './replicaset-pods.js';
import { unfitReason } from './scheduler-decisions.js';
import { omitZero } from './workloads-status.js';

export const REVISION_HASH_LABEL = 'controller-revision-hash';

/** AddOrUpdateDaemonPodTolerations: daemon pods stay on nodes that are unready, unreachable,
 *  under pressure or cordoned. */
const DAEMON_TOLERATIONS: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

/** The daemon pod for a node, at a revision. It is bound to the node directly. */
export function daemonPod(ds: DaemonSet, node: string, hash: string): KubeObject {
  const t = structuredClone(ds.spec?.template ?? {});
  const spec = t.spec ?? {};
  const tolerations = [...((spec.tolerations as Toleration[] | undefined) ?? [])];
  for (const d of DAEMON_TOLERATIONS) if (!tolerations.some((x) => x.key === d.key && x.effect === d.effect)) tolerations.push(d);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${ds.metadata.name}-`,
      namespace: ds.metadata.namespace,
      labels: { ...(t.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash, 'pod-template-generation': String(ds.metadata.generation ?? 1) },
      ...(t.metadata?.annotations ? { annotations: t.metadata.annotations } : {}),
      ownerReferences: [newControllerRef(ds)],
    },
    spec: { ...spec, tolerations, nodeName: node },
  };
}

/** Whether a daemon pod belongs on node: the scheduler's filters with the daemon tolerations. */
export function shouldRun(ds: DaemonSet, node: Node): boolean {
  return unfitReason(daemonPod(ds, node.metadata.name!, ''), node) === undefined;
}

/** Whether a daemon pod already there may stay: only NoExecute taints drive it away. */
export function shouldContinueRunning(ds: DaemonSet, node: Node): boolean {
  const taints = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
  return unfitReason(daemonPod(ds, node.metadata.name!, ''), { ...node, spec: { ...node.spec, taints, unschedulable: false } }) === undefined;
}

/** The nodes a daemon pod goes to, and those where one may stay. */
function eligibleNodes(ds: DaemonSet, nodes: Node[]): { wanted: Set<string>; allowed: Set<string> } {
  const names = (ok: (n: Node) => boolean): Set<string> => new Set(nodes.filter(ok).map((n) => n.metadata.name!));
  return { wanted: names((n) => shouldRun(ds, n)), allowed: names((n) => shouldContinueRunning(ds, n)) };
}

export interface DaemonPlan {
  create: string[];
  delete: KubeObject[];
}

/**
 * Per node: a missing pod is created, failed pods replaced, surplus ones (or all, on nodes that
 * should not run it) deleted; then old-revision pods are deleted, unavailable ones first, within
 * maxUnavailable.
 */
export function planDaemonSet(ds: DaemonSet, nodes: Node[], pods: KubeObject[], hash: string): DaemonPlan {
  const plan: DaemonPlan = { create: [], delete: [] };
  const byNode = new Map<string, KubeObject[]>();
  for (const p of pods) if (!p.metadata.deletionTimestamp) byNode.set(p.spec?.nodeName ?? '', [...(byNode.get(p.spec?.nodeName ?? '') ?? []), p]);
  const { wanted, allowed } = eligibleNodes(ds, nodes);
  const running = new Map<string, KubeObject>();
  for (const [node, list] of byNode) {
    if (!allowed.has(node)) {
      plan.delete.push(...list);
      continue;
    }
    const failed = list.filter(isPodTerminal);
    plan.delete.push(...failed);
    const alive = list.filter((p) => !isPodTerminal(p)).sort((a, b) => String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)));
    plan.delete.push(...alive.slice(1));
    if (alive[0]) running.set(node, alive[0]);
  }
  for (const node of wanted) if (!running.has(node)) plan.create.push(node);
  const ru = ds.spec?.updateStrategy;
  if (ru?.type !== 'RollingUpdate') return plan;
  const maxUnavailable = Math.max(1, scaledValue(ru.rollingUpdate?.maxUnavailable ?? 1, wanted.size, true));
  let unavailable = [...wanted].filter((n) => !running.has(n) || !isPodReady(running.get(n)!)).length;
  const old = [...running.values()].filter((p) => p.metadata.labels?.[REVISION_HASH_LABEL] !== hash);
  for (const pod of old.sort((a, b) => Number(isPodReady(a)) - Number(isPodReady(b)))) {
    if (!isPodReady(pod)) plan.delete.push(pod);
    else if (unavailable < maxUnavailable) {
      plan.delete.push(pod);
      unavailable++;
    }
  }
  return plan;
}

export function daemonSetStatus(ds: DaemonSet, nodes: Node[], pods: KubeObject[], hash: string): DaemonSetStatus {
  const { wanted, allowed } = eligibleNodes(ds, nodes);
  const live = pods.filter((p) => !p.metadata.deletionTimestamp && !isPodTerminal(p));
  const onNodes = new Map(live.map((p) => [p.spec?.nodeName ?? '', p]));
  let current = 0;
  let ready = 0;
  let updated = 0;
  let misscheduled = 0;
  for (const [node, pod] of onNodes) {
    if (!allowed.has(node)) {
      misscheduled++;
      continue;
    }
    current++;
    if (isPodReady(pod)) ready++;
    if (pod.metadata.labels?.[REVISION_HASH_LABEL] === hash) updated++;
  }
  const status: DaemonSetStatus = {
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    desiredNumberScheduled: wanted.size,
    numberReady: ready,
    observedGeneration: ds.metadata.generation,
    updatedNumberScheduled: updated,
    numberAvailable: ready,
    numberUnavailable: wanted.size - ready,
  };
  return omitZero(status, ['updatedNumberScheduled', 'numberAvailable', 'numberUnavailable']);
}
