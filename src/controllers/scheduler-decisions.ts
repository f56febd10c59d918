// Where a pod goes (pure): the filters of kube-scheduler that matter here — node Ready (as its
// not-ready taint), cordon (NodeUnschedulable), taints and tolerations, nodeSelector and
// required node affinity — then the scores of its default profile, reduced: PodTopologySpread's
// system default (fewest pods of the same owner on the node), then balanced allocation (fewest
// pods), then the name, so decisions are reproducible. A node that registered moments ago and is
// not Ready yet still counts: when it would score best, the pod waits for it instead of piling
// onto the nodes that came up first. A pod that fits nowhere gets kube-scheduler's
// FailedScheduling message.

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

/** What the scores weigh on a node: its pods, and those of them with the pod's own owner. */
export interface NodeLoad {
  pods: number;
  siblings: number;
}

/** A node not Ready within this long of registering is taken to be starting, and waited for. */
export const NODE_STARTING_MS = 10_000;

export type Placement = { node: string } | { waitFor: string } | { message: string };

const isReady = (node: Node): boolean => node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';

/** Registered moments ago and not Ready yet (a node that was Ready and lost it is not starting). */
function isStarting(node: Node, now: number): boolean {
  const created = Date.parse(node.metadata.creationTimestamp ?? '');
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  return !isReady(node) && ready?.reason !== 'NodeStatusUnknown' && now - created < NODE_STARTING_MS;
}

/** The node for pod, or one to wait for, or why there is none. `unfitVolumes` is the volume
 *  binding filter. */
export function place(pod: KubeObject, nodes: Node[], load: (node: string) => NodeLoad, now: number, unfitVolumes?: (node: string) => string | undefined): Placement {
  if (!nodes.length) return { message: 'no nodes available to schedule pods' };
  const reasons = new Map<string, number>();
  const fit: Node[] = [];
  const starting: Node[] = [];
  for (const node of nodes) {
    const why = unfitReason(pod, node) ?? unfitVolumes?.(node.metadata.name!);
    if (!why) fit.push(node);
    else {
      reasons.set(why, (reasons.get(why) ?? 0) + 1);
      if (isStarting(node, now) && !unfitReason(pod, withReady(node))) starting.push(node);
    }
  }
  if (fit.length) {
    const order = (a: Node, b: Node): number => {
      const [la, lb] = [load(a.metadata.name!), load(b.metadata.name!)];
      return la.siblings - lb.siblings || la.pods - lb.pods || a.metadata.name!.localeCompare(b.metadata.name!);
    };
    const best = fit.sort(order)[0];
    const awaited = starting.find((n) => load(n.metadata.name!).siblings < load(best.metadata.name!).siblings);
    return awaited ? { waitFor: awaited.metadata.name! } : { node: best.metadata.name! };
  }
  const n = nodes.length;
  const histogram = [...reasons.entries()].map(([why, count]) => `${count} ${why}`).sort();
  return { message: `0/${n} nodes are available: ${histogram.join(', ')}. preemption: 0/${n} nodes are available: ${n} Preemption is not helpful for scheduling.` };
}

/** The node as it will be once Ready (without the lifecycle's not-ready taints). */
function withReady(node: Node): Node {
  return {
    ...node,
    spec: { ...node.spec, taints: node.spec?.taints?.filter((t) => t.key !== NOT_READY_TAINT.key) },
    status: { ...node.status, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}
