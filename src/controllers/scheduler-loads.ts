// What each node carries, for the scheduler's spreading: its pods, and among them those of one
// controller (kube-scheduler's default spreading counts the pods their owner selects). Kept as
// pods come, change, go and are assumed, so a decision costs O(nodes), not a walk of every pod.

import type { NodeLoad } from './scheduler-decisions.js';

export class NodeLoads {
  /** Where each counted pod is counted: its node, and its controller as `namespace/uid`. */
  private readonly counted = new Map<string, { node: string; owner?: string }>();
  private readonly pods = new Map<string, number>();
  /** `node owner` → that owner's pods on that node. */
  private readonly siblings = new Map<string, number>();

  /** Counts pod `key` on `node` (undefined: on none: gone, finished or not placed). */
  set(key: string, node: string | undefined, owner: string | undefined): void {
    const was = this.counted.get(key);
    if (was?.node === node && was?.owner === owner) return;
    if (was) {
      this.counted.delete(key);
      bump(this.pods, was.node, -1);
      if (was.owner) bump(this.siblings, `${was.node} ${was.owner}`, -1);
    }
    if (node === undefined) return;
    this.counted.set(key, { node, owner });
    bump(this.pods, node, 1);
    if (owner) bump(this.siblings, `${node} ${owner}`, 1);
  }

  load(node: string, owner: string | undefined): NodeLoad {
    return { pods: this.pods.get(node) ?? 0, siblings: owner ? (this.siblings.get(`${node} ${owner}`) ?? 0) : 0 };
  }
}

function bump(counts: Map<string, number>, key: string, by: number): void {
  const n = (counts.get(key) ?? 0) + by;
  if (n) counts.set(key, n);
  else counts.delete(key);
}
