// The node lifecycle controller (kube-controller-manager's monitorNodeHealth): a Node whose
// Lease in kube-node-lease (and whose status heartbeat) has not moved for the grace period gets
// its conditions set to Unknown ("Kubelet stopped posting node status."), the
// node.kubernetes.io/unreachable NoSchedule and NoExecute taints, and its pods' Ready condition
// set to False, so their endpoints turn not ready. When the agent posts Ready again, the taints
// go. Staleness is measured on this controller's clock from when it last saw the lease or the
// heartbeat change (as Kubernetes' probeTimestamp), so hosts' clock skew does not matter and a
// new leader gives every node a full grace period. Pods on a node with NoExecute taints are
// evicted (deleted, with a DisruptionTarget condition) as the taint manager does: at once when
// untolerated, after their tolerationSeconds otherwise — 300 s by the tolerations every pod gets
// at creation (DefaultTolerationSeconds), after which their ReplicaSets replace them elsewhere.

import type { Logger } from 'pino';
import type { Node, Taint } from '../apis/core/nodes.js';
import type { Pod } from '../apis/core/pods.js';
import type { Lease } from '../apis/coordination/leases.js';
import { StatusError } from '../util/status-errors.js';
import { R, type Client } from '../client/client.js';
import { Informer } from '../client/informer.js';
import type { Clock, Timer } from '../util/clock.js';
import { rfc3339 } from '../util/time.js';
import { evictionDue, type Toleration } from '../apis/core/tolerations.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** kube-controller-manager's --node-monitor-grace-period default. */
export const DEFAULT_GRACE_PERIOD_MS = 40_000;
/** kube-controller-manager's --node-monitor-period default. */
const DEFAULT_MONITOR_PERIOD_MS = 5_000;

export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';
export const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';

type Condition = { type: string; status: string; reason?: string; message?: string; lastHeartbeatTime?: string; lastTransitionTime?: string };

export interface NodePlan {
  /** New status.conditions, when the node is to be marked Unknown. */
  conditions?: Condition[];
  /** New spec.taints, when the lifecycle taints change. */
  taints?: Taint[];
  /** The node is not Ready: its pods must not be Ready either. */
  podsNotReady: boolean;
}

/** What to do with a node last heard from at `lastProbe` (pure). */
export function planNode(node: Node, lastProbe: number, now: number, gracePeriodMs: number): NodePlan {
  const at = rfc3339(new Date(now));
  const current = (node.status?.conditions ?? []) as Condition[];
  let conditions: Condition[] | undefined;
  if (now - lastProbe >= gracePeriodMs) {
    const unknown = (c: Condition): Condition =>
      c.status === 'Unknown' ? c : { ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: at };
    const marked = current.some((c) => c.type === 'Ready')
      ? current.map(unknown)
      : [...current, { type: 'Ready', status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastTransitionTime: at }];
    if (JSON.stringify(marked) !== JSON.stringify(current)) conditions = marked;
  }
  const ready = (conditions ?? current).find((c) => c.type === 'Ready')?.status ?? 'Unknown';
  const wanted = ready === 'True' ? undefined : ready === 'False' ? NOT_READY_TAINT : UNREACHABLE_TAINT;
  const have = node.spec?.taints ?? [];
  const others = have.filter((t) => t.key !== UNREACHABLE_TAINT && t.key !== NOT_READY_TAINT);
  const kept = have.filter((t) => t.key === wanted);
  const lifecycle = wanted ? ['NoSchedule', 'NoExecute'].map((effect) => kept.find((t) => t.effect === effect) ?? { key: wanted, effect, timeAdded: at }) : [];
  const taints = [...others, ...lifecycle];
  return {
    ...(conditions ? { conditions } : {}),
    ...(JSON.stringify(taints) !== JSON.stringify(have) ? { taints } : {}),
    podsNotReady: ready !== 'True',
  };
}

const podReady = (p: Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

export interface NodeLifecycleOptions {
  client: Client;
  log: Logger;
  clock: Clock;
  gracePeriodMs?: number;
  monitorPeriodMs?: number;
}

export class NodeLifecycleController {
  private readonly nodes: Informer<Node>;
  private readonly leases: Informer<Lease>;
  private readonly pods: Informer<Pod>;
  /** Per node: what was last heard (lease renewTime + heartbeat) and when, on our clock. */
  private readonly probes = new Map<string, { heard: string; at: number }>();
  private timer?: Timer;
  private stopped = false;
  private readonly gracePeriodMs: number;
  private readonly monitorPeriodMs: number;

  constructor(private readonly o: NodeLifecycleOptions) {
    this.nodes = new Informer<Node>(o.client, R.nodes);
    this.leases = new Informer<Lease>(o.client, R.leases, { namespace: NODE_LEASE_NAMESPACE });
    this.pods = new Informer<Pod>(o.client, R.pods);
    this.gracePeriodMs = o.gracePeriodMs ?? DEFAULT_GRACE_PERIOD_MS;
    this.monitorPeriodMs = o.monitorPeriodMs ?? Math.min(DEFAULT_MONITOR_PERIOD_MS, Math.max(100, this.gracePeriodMs / 4));
  }

  async start(): Promise<void> {
    await Promise.all([this.nodes.start(), this.leases.start(), this.pods.start()]);
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    for (const i of [this.nodes, this.leases, this.pods]) i.stop();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.o.clock.after(this.monitorPeriodMs, () => {
      this.monitor()
        .catch((err: unknown) => this.o.log.warn({ err }, 'node health pass failed'))
        .finally(() => this.schedule());
    });
  }

  /** One pass over all nodes (tests call it after moving a fake clock). */
  async monitor(): Promise<void> {
    const now = this.o.clock.now();
    const names = new Set<string>();
    for (const node of this.nodes.list()) {
      const name = node.metadata.name!;
      names.add(name);
      const heartbeat = ((node.status?.conditions ?? []) as Condition[]).find((c) => c.type === 'Ready')?.lastHeartbeatTime ?? '';
      const heard = `${this.leases.get(NODE_LEASE_NAMESPACE, name)?.spec?.renewTime ?? ''}|${heartbeat}`;
      const probe = this.probes.get(name);
      if (probe?.heard !== heard) this.probes.set(name, { heard, at: now });
      const plan = planNode(node, this.probes.get(name)!.at, now, this.gracePeriodMs);
      try {
        await this.apply(node, plan);
      } catch (err) {
        if (!(err instanceof StatusError && (err.code === 409 || err.code === 404))) throw err;
      }
    }
    for (const name of this.probes.keys()) if (!names.has(name)) this.probes.delete(name);
  }

  private async apply(node: Node, plan: NodePlan): Promise<void> {
    const name = node.metadata.name!;
    if (plan.conditions) {
      this.o.log.info({ node: name }, 'node stopped posting status; marking it Unknown');
      await this.o.client.update(R.nodes, undefined, { ...node, status: { ...node.status, conditions: plan.conditions } }, { subresource: 'status' });
    }
    if (plan.taints) {
      await this.o.client.patch(R.nodes, undefined, name, 'merge', { spec: { taints: plan.taints } });
    }
    await this.evict(name, plan.taints ?? node.spec?.taints ?? []);
    if (!plan.podsNotReady) return;
    const at = rfc3339(new Date(this.o.clock.now()));
    for (const pod of this.pods.list().filter((p) => p.spec?.nodeName === name && podReady(p))) {
      const conditions = pod.status!.conditions!.map((c) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: at } : c));
      await this.o.client
        .update(R.pods, pod.metadata.namespace, { ...pod, status: { ...pod.status, conditions } }, { subresource: 'status' })
        .catch((err: unknown) => {
          if (!(err instanceof StatusError && (err.code === 409 || err.code === 404))) throw err;
        });
    }
  }

  /** The taint manager: deletes the node's pods whose tolerations of its NoExecute taints ran out. */
  private async evict(nodeName: string, taints: Taint[]): Promise<void> {
    if (!taints.some((t) => t.effect === 'NoExecute')) return;
    const now = this.o.clock.now();
    for (const pod of this.pods.list()) {
      if (pod.spec?.nodeName !== nodeName || pod.metadata.deletionTimestamp) continue;
      const due = evictionDue((pod.spec.tolerations ?? []) as Toleration[], taints, now);
      if (due === undefined || due > now) continue;
      const ns = pod.metadata.namespace;
      this.o.log.info({ pod: `${ns}/${pod.metadata.name}`, node: nodeName }, 'Marking for deletion Pod (NoExecute taint)');
      const condition = {
        type: 'DisruptionTarget',
        status: 'True',
        reason: 'DeletionByTaintManager',
        message: 'Taint manager: deleting due to NoExecute taint',
        lastTransitionTime: rfc3339(new Date(now)),
      };
      const conditions = [...(pod.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget'), condition];
      const ignoreGone = (err: unknown): void => {
        if (!(err instanceof StatusError && (err.code === 409 || err.code === 404))) throw err;
      };
      await this.o.client.update(R.pods, ns, { ...pod, status: { ...pod.status, conditions } }, { subresource: 'status' }).catch(ignoreGone);
      await this.o.client.delete(R.pods, ns, pod.metadata.name!).catch(ignoreGone);
    }
  }
}
