// Whether a pod's toleration covers a node's taint (Kubernetes' Toleration.ToleratesTaint), and
// how long a pod may stay on a node with NoExecute taints (the taint manager's rules). Pure.

import type { Taint } from './nodes.js';

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.operator === 'Exists') return !t.key || t.key === taint.key;
  return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
}

/**
 * When the pod is to be evicted from a node with these taints (ms since the epoch): `now` when
 * a NoExecute taint is not tolerated; else the newest NoExecute taint's time plus the shortest
 * tolerationSeconds of the tolerations used; undefined when it may stay (no NoExecute taint, or
 * every toleration used is for ever).
 */
export function evictionDue(tolerations: Toleration[], taints: Taint[], now: number): number | undefined {
  const noExecute = taints.filter((t) => t.effect === 'NoExecute');
  if (!noExecute.length) return undefined;
  const used: Toleration[] = [];
  for (const taint of noExecute) {
    const matching = tolerations.filter((t) => tolerates(t, taint));
    if (!matching.length) return now;
    used.push(...matching);
  }
  const seconds = used.flatMap((t) => (t.tolerationSeconds === undefined ? [] : [Math.max(0, t.tolerationSeconds)]));
  if (!seconds.length) return undefined;
  const since = Math.max(...noExecute.map((t) => (t.timeAdded ? Date.parse(t.timeAdded) : now)));
  return since + Math.min(...seconds) * 1000;
}
