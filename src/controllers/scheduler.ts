// The scheduler (kube-scheduler, much reduced): binds each pending pod of `default-scheduler`
// to a node chosen by scheduler-decisions.ts, through pods/binding. A pod that fits nowhere is
// marked PodScheduled=False/Unschedulable with a FailedScheduling Event and tried again when
// nodes change or after a back-off. As in kube-scheduler, a decision assumes the pod on its node
// at once and the binding is written in the background (its binding cycle), so the one worker
// goes on deciding instead of waiting for each write: a thousand pending pods bind in parallel.

import type { KubeObject } from '../apis/types.js';
import type { Node } from '../apis/core/nodes.js';
import { R } from '../client/client.js';
import { cacheKey, type Informer } from '../client/informer.js';
import { rfc3339 } from '../util/time.js';
import { controllerOf, isConflict, isNotFound } from './controller-ref.js';
import { QueueController } from './queue-controller.js';
import { isPodTerminal } from './replicaset-pods.js';
import { place } from './scheduler-decisions.js';
import { NodeLoads } from './scheduler-loads.js';
import { checkVolumes, type VolumeCaches } from './scheduler-volumes.js';
import { SELECTED_NODE } from './volume-binding-decisions.js';
import type { ControllerContext } from './workloads-context.js';

export const SCHEDULER_NAME = 'default-scheduler';
/** How soon an unschedulable pod is tried again without a node change. */
const UNSCHEDULABLE_RETRY_MS = 10_000;
/** How soon a pod waiting for a starting node looks again (its Ready update comes sooner). */
const STARTING_NODE_RETRY_MS = 1_000;
/** How soon a pod waiting for its claims to be provisioned is looked at again. */
const VOLUME_WAIT_MS = 300;
/** How soon a pod whose binding failed (not for a conflict) is tried again. */
const BIND_RETRY_MS = 1_000;

const isPending = (pod: KubeObject): boolean =>
  !pod.spec?.nodeName && (pod.spec?.schedulerName ?? SCHEDULER_NAME) === SCHEDULER_NAME && !pod.metadata.deletionTimestamp && !isPodTerminal(pod);

export class Scheduler extends QueueController {
  /** Bindings made but not yet seen in the pod cache, so the next decision counts them. */
  private readonly assumed = new Map<string, string>();
  private readonly loads = new NodeLoads();
  /** Bindings being written. */
  private readonly binding = new Set<Promise<void>>();

  constructor(
    private readonly ctx: ControllerContext,
    private readonly pods: Informer,
    private readonly nodes: Informer<Node>,
    private readonly volumes?: VolumeCaches,
  ) {
    // One worker: each decision sees the pods the previous one placed.
    super(ctx.log, { workers: 1, keyField: 'pod', failure: 'scheduling failed; will retry' });
    const podChanged = (pod: KubeObject): void => {
      const key = cacheKey(pod);
      if (pod.spec?.nodeName || !isPending(pod)) this.assumed.delete(key);
      this.recount(key);
      if (isPending(pod)) this.enqueue(pod);
    };
    const podDeleted = (pod: KubeObject): void => {
      const key = cacheKey(pod);
      this.assumed.delete(key);
      this.recount(key);
    };
    pods.on({ add: podChanged, update: (_o, p) => podChanged(p), delete: podDeleted });
    nodes.on({ add: () => this.retryAll(), update: () => this.retryAll() });
    // A claim created, given a class or bound may make its pods schedulable.
    volumes?.claims.on({ add: () => this.retryAll(), update: () => this.retryAll(), delete: () => undefined });
  }

  protected override initialKeys(): string[] {
    return this.pods.list().filter(isPending).map(cacheKey);
  }

  private retryAll(): void {
    for (const key of this.initialKeys()) this.enqueueKey(key);
  }

  /** Counts a pod where it is bound or assumed, unless it is gone or finished. */
  private recount(key: string): void {
    const [namespace, name] = key.split('/');
    const pod = this.pods.get(namespace, name);
    const node = pod && !isPodTerminal(pod) ? (pod.spec?.nodeName ?? this.assumed.get(key)) : undefined;
    this.loads.set(key, node, pod && ownerKey(pod));
  }

  private assume(key: string, node: string): void {
    this.assumed.set(key, node);
    this.recount(key);
  }

  private forget(key: string): void {
    if (this.assumed.delete(key)) this.recount(key);
  }

  protected async sync(key: string): Promise<void> {
    const [namespace, name] = key.split('/');
    const pod = this.pods.get(namespace, name);
    if (!pod || !isPending(pod) || this.assumed.has(key)) return;
    const owner = ownerKey(pod);
    const volumes = this.volumes ? checkVolumes(pod, this.volumes) : undefined;
    const decision =
      volumes && 'message' in volumes ? volumes : place(pod, this.nodes.list(), (n) => this.loads.load(n, owner), this.ctx.now().getTime(), volumes?.unfit);
    if ('waitFor' in decision) {
      this.enqueueKey(key, STARTING_NODE_RETRY_MS);
      return;
    }
    if ('node' in decision && volumes && 'waitFor' in volumes && volumes.waitFor.length) {
      await this.selectNode(volumes.waitFor, decision.node);
      this.enqueueKey(key, VOLUME_WAIT_MS);
      return;
    }
    if ('node' in decision) {
      this.assume(key, decision.node);
      const done = this.bind(key, pod, decision.node).finally(() => this.binding.delete(done));
      this.binding.add(done);
      return;
    }
    this.ctx.events.record(pod, 'Warning', 'FailedScheduling', decision.message);
    await this.markUnschedulable(pod, decision.message);
    this.enqueueKey(key, UNSCHEDULABLE_RETRY_MS);
  }

  /** The binding cycle of an assumed pod; a failure forgets the assumption and, unless the pod
   *  went or changed (its update queues it again), retries it after a back-off. */
  private async bind(key: string, pod: KubeObject, node: string): Promise<void> {
    const { namespace, name } = pod.metadata;
    try {
      await this.ctx.client.create(
        R.pods,
        namespace,
        { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace, uid: pod.metadata.uid }, target: { apiVersion: 'v1', kind: 'Node', name: node } },
        { subresource: 'binding' },
      );
    } catch (e) {
      this.forget(key);
      if (isNotFound(e) || isConflict(e)) return;
      this.ctx.log.warn({ err: e, pod: key }, 'binding failed; will retry');
      this.enqueueKey(key, BIND_RETRY_MS);
      return;
    }
    this.ctx.events.record(pod, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${node}`);
  }

  /** Resolves when nothing is queued, deciding or binding (tests). */
  override async idle(): Promise<void> {
    await super.idle();
    while (this.binding.size > 0) {
      await Promise.all(this.binding);
      await super.idle();
    }
  }

  /** Tells the provisioner where the claims' first consumer goes (WaitForFirstConsumer). */
  private async selectNode(claims: KubeObject[], node: string): Promise<void> {
    for (const claim of claims) {
      if (claim.metadata.annotations?.[SELECTED_NODE]) continue;
      const annotations = { ...(claim.metadata.annotations ?? {}), [SELECTED_NODE]: node };
      try {
        await this.ctx.client.update(R.persistentVolumeClaims, claim.metadata.namespace, { ...claim, metadata: { ...claim.metadata, annotations } });
      } catch (e) {
        if (!isNotFound(e) && !isConflict(e)) throw e;
      }
    }
  }

  private async markUnschedulable(pod: KubeObject, message: string): Promise<void> {
    const conditions = (pod.status?.conditions ?? []) as { type: string; message?: string }[];
    if (conditions.some((c) => c.type === 'PodScheduled' && c.message === message)) return;
    const scheduled = { type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: rfc3339(this.ctx.now()), reason: 'Unschedulable', message };
    try {
      await this.ctx.client.update(
        R.pods,
        pod.metadata.namespace,
        { ...pod, status: { ...pod.status, conditions: [...conditions.filter((c) => c.type !== 'PodScheduled'), scheduled] } },
        { subresource: 'status' },
      );
    } catch (e) {
      // The pod changed meanwhile: its update brings it back here.
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }
}

/** The pod's controller, as NodeLoads counts siblings: `namespace/uid`. */
function ownerKey(pod: KubeObject): string | undefined {
  const uid = controllerOf(pod)?.uid;
  return uid && `${pod.metadata.namespace}/${uid}`;
}
