// The ReplicaSet controller (pkg/controller/replicaset): keeps spec.replicas active pods of the
// template, adopting and releasing pods by selector, and reports the status its pods amount to.
// Handlers only enqueue keys; the work happens in sync(key) once the informers have synced.
// A sync reads only the pods the ReplicaSet controls and its namespace's orphans (an index by
// controller uid; upstream lists the namespace, with a TODO to use an index). A pod change that
// can alter neither the ReplicaSet's status nor what it must do queues no sync (a binding, a
// Running-but-not-Ready status). What can alter only its status (readiness changes, its own
// status writes, creations it is still waiting for) is synced together once per
// STATUS_BATCH_MS (upstream syncs on each; its controller-manager's client rate limit batches
// the status writes instead), so a thousand pods becoming Ready cost a few dozen syncs and
// status writes of the ReplicaSet and its Deployment, not up to a thousand of each.

import type { KubeObject } from '../apis/types.js';
import type { ReplicaSet } from '../apis/apps/replicasets.js';
import { R } from '../client/client.js';
import { cacheKey, type Informer } from '../client/informer.js';
import { matchesLabels, selectorFromLabelSelector } from '../util/labels.js';
import { claim, claimCandidates, controlledBy, controllerOf, indexByController, isNotFound, ownerIn } from './controller-ref.js';
import { BURST_REPLICAS, podFromTemplate, replicaSetStatus, slowStartBatches } from './replicaset-decisions.js';
import { Expectations } from './replicaset-expectations.js';
import { isPodActive, isPodReady, podChangeFor, rankPodsForDeletion, secondsUntilAvailable } from './replicaset-pods.js';
import { QueueController } from './queue-controller.js';
import type { ControllerContext } from './workloads-context.js';
import { writeStatus } from './workloads-status.js';
import { jsonEqual } from '../util/json-equal.js';

/** How long readiness changes of one ReplicaSet's pods gather before one sync reports them. */
export const STATUS_BATCH_MS = 100;

export class ReplicaSetController extends QueueController {
  private readonly expectations: Expectations;
  /** ReplicaSets with a status sync queued after STATUS_BATCH_MS. */
  private readonly statusQueued = new Set<string>();

  constructor(
    private readonly ctx: ControllerContext,
    private readonly pods: Informer,
    private readonly replicaSets: Informer<ReplicaSet>,
  ) {
    super(ctx.log, { workers: 4, keyField: 'replicaset', failure: 'replicaset sync failed; will retry' });
    this.expectations = new Expectations(ctx.now);
    indexByController(pods);
    replicaSets.on({
      add: (rs) => this.enqueue(rs),
      // Upstream syncs on every update, its own status writes included, so that a ReplicaSet
      // whose creates failed is retried; those come batched here.
      update: (old, rs) => (onlyStatusChanged(old, rs) ? this.enqueueStatus(rs) : this.enqueue(rs)),
      delete: (rs) => {
        this.expectations.forget(cacheKey(rs));
        this.enqueue(rs);
      },
    });
    pods.on({ add: (p) => this.podAdded(p), update: (o, p) => this.podUpdated(o, p), delete: (p) => this.podDeleted(p) });
  }

  /** The ReplicaSet a pod's controller reference names, if it still is that one. */
  private ownerOf(pod: KubeObject): ReplicaSet | undefined {
    return ownerIn(this.replicaSets, 'ReplicaSet', pod);
  }

  /** An orphan may be adopted by any ReplicaSet whose selector matches it. */
  private enqueueMatching(pod: KubeObject): void {
    for (const rs of this.replicaSets.list(pod.metadata.namespace)) {
      try {
        if (matchesLabels(selectorFromLabelSelector(rs.spec?.selector), pod.metadata.labels)) this.enqueue(rs);
      } catch {
        // An invalid selector selects nothing.
      }
    }
  }

  private podAdded(pod: KubeObject): void {
    if (pod.metadata.deletionTimestamp) return this.podDeleted(pod);
    if (controllerOf(pod)) {
      const rs = this.ownerOf(pod);
      if (!rs) return;
      // Until the last expected create is seen, a sync could only report the count.
      const key = cacheKey(rs);
      this.expectations.creationObserved(key);
      if (this.expectations.satisfied(key)) this.enqueue(rs);
      else this.enqueueStatus(rs);
    } else this.enqueueMatching(pod);
  }

  private podUpdated(old: KubeObject, pod: KubeObject): void {
    if (pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) {
      const rs = this.ownerOf(pod);
      if (rs) this.expectations.deletionObserved(cacheKey(rs), cacheKey(pod));
    }
    const oldRef = controllerOf(old);
    if (oldRef && oldRef.uid !== controllerOf(pod)?.uid) {
      const prev = this.ownerOf(old);
      if (prev) this.enqueue(prev);
    }
    const change = podChangeFor(old, pod);
    if (!change) return;
    const rs = this.ownerOf(pod);
    if (rs) {
      if (change === 'manage') this.enqueue(rs);
      else this.enqueueStatus(rs);
      // Ready now, available after minReadySeconds: look again then.
      const wait = isPodReady(pod) && !isPodReady(old) ? secondsUntilAvailable(pod, rs.spec?.minReadySeconds ?? 0, this.ctx.now()) : undefined;
      if (wait) this.enqueue(rs, wait * 1000 + 100);
    } else if (!controllerOf(pod)) this.enqueueMatching(pod);
  }

  private enqueueStatus(rs: ReplicaSet): void {
    const key = cacheKey(rs);
    if (this.statusQueued.has(key)) return;
    this.statusQueued.add(key);
    this.enqueueKey(key, STATUS_BATCH_MS);
  }

  protected override initialKeys(): string[] {
    return this.replicaSets.list().map(cacheKey);
  }

  override start(): void {
    // What was marked before start() was dropped; start() queues every ReplicaSet.
    this.statusQueued.clear();
    super.start();
  }

  override stop(): void {
    this.statusQueued.clear();
    super.stop();
  }

  /** Resolves when nothing is queued or running, batched status syncs included (tests). */
  override async idle(): Promise<void> {
    await super.idle();
    while (this.statusQueued.size) {
      await new Promise((resolve) => setTimeout(resolve, STATUS_BATCH_MS));
      await super.idle();
    }
  }

  private podDeleted(pod: KubeObject): void {
    const rs = this.ownerOf(pod);
    if (!rs) return;
    this.expectations.deletionObserved(cacheKey(rs), cacheKey(pod));
    this.enqueue(rs);
  }

  protected async sync(key: string): Promise<void> {
    const [namespace, name] = key.split('/');
    // This sync reports every readiness change seen so far.
    this.statusQueued.delete(key);
    const rs = this.replicaSets.get(namespace, name);
    if (!rs) return this.expectations.forget(key);
    const needsSync = this.expectations.satisfied(key);
    const selector = selectorFromLabelSelector(rs.spec?.selector);
    const active = claimCandidates(this.pods, rs).filter(isPodActive);
    const owned = await claim(this.ctx.client, R.replicaSets, R.pods, rs, selector, active);
    let failure: { reason: string; message: string } | undefined;
    if (needsSync && !rs.metadata.deletionTimestamp) failure = await this.manageReplicas(rs, owned);
    const status = replicaSetStatus(rs, owned, this.ctx.now(), failure);
    await this.updateStatus(rs, status);
    const minReady = rs.spec?.minReadySeconds ?? 0;
    if (!failure && minReady > 0 && (status.readyReplicas ?? 0) === status.replicas && (status.availableReplicas ?? 0) !== status.replicas) {
      this.enqueue(rs, minReady * 1000);
    }
  }

  /** Creates or deletes pods toward spec.replicas; returns the failure to report, if any. */
  private async manageReplicas(rs: ReplicaSet, owned: KubeObject[]): Promise<{ reason: string; message: string } | undefined> {
    const key = cacheKey(rs);
    const diff = owned.length - (rs.spec?.replicas ?? 1);
    if (diff < 0) return this.createPods(rs, Math.min(-diff, BURST_REPLICAS));
    if (diff === 0) return undefined;
    const victims = rankPodsForDeletion(owned, this.relatedPods(rs)).slice(0, Math.min(diff, BURST_REPLICAS));
    this.expectations.expect(key, 0, victims.map(cacheKey));
    const results = await Promise.allSettled(
      victims.map(async (pod) => {
        try {
          await this.ctx.client.delete(R.pods, pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
          this.ctx.events.record(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
        } catch (e) {
          this.expectations.deletionObserved(key, cacheKey(pod));
          if (!isNotFound(e)) throw e;
        }
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!failed) return undefined;
    this.ctx.events.record(rs, 'Warning', 'FailedDelete', `Error deleting: ${String(failed.reason?.message ?? failed.reason)}`);
    return { reason: 'FailedDelete', message: String(failed.reason?.message ?? failed.reason) };
  }

  /** The pods of rs and of the other ReplicaSets of its Deployment: they count for the
   *  "doubled up on a node" rank (getIndirectlyRelatedPods). */
  private relatedPods(rs: ReplicaSet): KubeObject[] {
    const owner = controllerOf(rs)?.uid;
    const family = owner ? this.replicaSets.list(rs.metadata.namespace).filter((other) => controllerOf(other)?.uid === owner) : [rs];
    return family.flatMap((member) => controlledBy(this.pods, member.metadata.uid!));
  }

  private async createPods(rs: ReplicaSet, n: number): Promise<{ reason: string; message: string } | undefined> {
    const key = cacheKey(rs);
    this.expectations.expect(key, n, []);
    let left = n;
    for (const batch of slowStartBatches(n)) {
      const results = await Promise.allSettled(
        Array.from({ length: batch }, () => this.ctx.client.create(R.pods, rs.metadata.namespace, podFromTemplate(rs))),
      );
      left -= batch;
      for (const r of results) {
        if (r.status === 'fulfilled') this.ctx.events.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${r.value.metadata.name}`);
      }
      const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failures.length) {
        // Neither the failed creations nor the ones not attempted will be observed.
        this.expectations.creationSkipped(key, failures.length + left);
        const message = String(failures[0].reason?.message ?? failures[0].reason);
        this.ctx.events.record(rs, 'Warning', 'FailedCreate', `Error creating: ${message}`);
        return { reason: 'FailedCreate', message };
      }
    }
    return undefined;
  }

  private async updateStatus(rs: ReplicaSet, status: ReplicaSet['status']): Promise<void> {
    if (JSON.stringify(rs.status ?? {}) === JSON.stringify(status)) return;
    await writeStatus(this.ctx.client, R.replicaSets, rs, status);
  }
}

/** An update that changed neither the ReplicaSet's spec nor what says which pods are its. */
function onlyStatusChanged(old: ReplicaSet, rs: ReplicaSet): boolean {
  const { generation, deletionTimestamp, labels, ownerReferences } = rs.metadata;
  return (
    generation === old.metadata.generation &&
    deletionTimestamp === old.metadata.deletionTimestamp &&
    jsonEqual(labels, old.metadata.labels) &&
    jsonEqual(ownerReferences, old.metadata.ownerReferences)
  );
}
