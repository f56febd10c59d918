// Where a pod goes (pure): the filters of kube-scheduler that matter here — node Ready (as its
// not-ready taint), cordon (NodeUnschedulable), taints and tolerations, nodeSelector and
// required node affinity — then the node with the fewest pods (ties: by name, so decisions
// are reproducible). A pod that fits nowhere gets kube-scheduler's FailedScheduling message.

import type { KubeObject } from '../apis/types.js';
import type { Node, Taint } from '../apis/core/nodes.js';
import { matchesLabels, selectorFromLabelSelector, selectorFromSet } from '../util/labels.js';
import { tolerates, type Toleration } from '../apis/core/tolerations.js';

interface NodeSelectorTerm {
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

const NOT_READY_TAINT: Taint = { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' };
const UNSCHEDULABLE_TAINT: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

const tolerated = (pod: KubeObject, taint: Taint): boolean => ((pod.spec?.tolerations as Toleration[] | undefined) ?? []).some((t) => tolerates(t, taint));

function matchesTerm(term: NodeSelectorTerm, labels: Record<string, string> | undefined): boolean {
  const exprs = term.matchExpressions ?? [];
  const numeric = exprs.filter((e) => e.operator === 'Gt' || e.operator === 'Lt');
  const rest = exprs.filter((e) => e.operator !== 'Gt' && e.operator !== 'Lt');
  const numericOk = numeric.every((e) => {
    const have = Number(labels?.[e.key]);
    const want = Number(e.values?.[0]);
    return Number.isInteger(have) && (e.operator === 'Gt' ? have > want : have < want);
  });
  try {
    return numericOk && matchesLabels(selectorFromLabelSelector({ matchExpressions: rest }), labels);
  } catch {
    return false;
  }
}

function matchesAffinity(pod: KubeObject, node: Node): boolean {
  if (!matchesLabels(selectorFromSet(pod.spec?.nodeSelector), node.metadata.labels)) return false;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms as NodeSelectorTerm[] | undefined;
  return !terms?.length || terms.some((t) => matchesTerm(t, node.metadata.labels));
}

const taintText = (t: Taint): string => `{${t.key}: ${t.value ?? ''}}`;

/** Why pod cannot go to node, worded as kube-scheduler's plugins word it; undefined: it fits. */
export function unfitReason(pod: KubeObject, node: Node): string | undefined {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  if (!ready && !tolerated(pod, NOT_READY_TAINT)) return `node(s) had untolerated taint ${taintText(NOT_READY_TAINT)}`;
  if (node.spec?.unschedulable && !tolerated(pod, UNSCHEDULABLE_TAINT)) return 'node(s) were unschedulable';
  if (!matchesAffinity(pod, node)) return "node(s) didn't match Pod's node affinity/selector";
  const taint = (node.spec?.taints ?? []).find((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerated(pod, t));
  if (taint) return `node(s) had untolerated taint ${taintText(taint)}`;
  return undefined;
}

export type Placement = { node: string } | { message: string };

/** The node for pod, or why there is none. `podsOn` counts the pods already on a node;
 *  `unfitVolumes` is the volume binding filter. */
export function place(pod: KubeObject, nodes: Node[], podsOn: (node: string) => number, unfitVolumes?: (node: string) => string | undefined): Placement {
  if (!nodes.length) return { message: 'no nodes available to schedule pods' };
  const reasons = new Map<string, number>();
  const fit: Node[] = [];
  for (const node of nodes) {
    const why = unfitReason(pod, node) ?? unfitVolumes?.(node.metadata.name!);
    if (why) reasons.set(why, (reasons.get(why) ?? 0) + 1);
    else fit.push(node);
  }
  if (fit.length) {
    const best = fit.sort((a, b) => podsOn(a.metadata.name!) - podsOn(b.metadata.name!) || a.metadata.name!.localeCompare(b.metadata.name!))[0];
    return { node: best.metadata.name! };
  }
  const n = nodes.length;
  const histogram = [...reasons.entries()].map(([why, count]) => `${count} ${why}`).sort();
  return { message: `0/${n} nodes are available: ${histogram.join(', ')}. preemption: 0/${n} nodes are available: ${n} Preemption is not helpful for scheduling.` };
}
