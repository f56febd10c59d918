// The StatefulSet controller (pkg/controller/statefulset): pods with stable names NAME-0..N-1,
// each with its own claims, created, replaced and removed in the order statefulset-decisions
// plans, at the revision of the current template (ControllerRevisions). Handlers only enqueue;
// sync(key) works on the informers' caches.

import type { StatefulSet } from '../apis/apps/statefulsets.js';
import type { ControllerRevision } from '../apis/apps/controllerrevisions.js';
import type { KubeObject } from '../apis/types.js';
import { R } from '../client/client.js';
import type { Informer } from '../client/informer.js';
import { matchesLabels, selectorFromLabelSelector } from '../util/labels.js';
import { claim, controllerOf, isConflict, isNotFound } from './controller-ref.js';
import { ensureRevision, ownedRevisions, truncateHistory } from './controller-revisions.js';
import { claimsFor, ordinalOf, planStatefulSet, REVISION_LABEL, statefulSetPod, statefulSetStatus } from './statefulset-decisions.js';
import { QueueController } from './queue-controller.js';
import type { ControllerContext } from './workloads-context.js';
import { writeStatus } from './workloads-status.js';

export class StatefulSetController extends QueueController {
  constructor(
    private readonly ctx: ControllerContext,
    private readonly sets: Informer<StatefulSet>,
    private readonly pods: Informer,
    private readonly revisions: Informer<ControllerRevision>,
  ) {
    super(ctx.log, { workers: 2, keyField: 'statefulset', failure: 'statefulset sync failed; will retry', objects: sets, deletes: true });
    this.queueOwners(pods, sets, 'StatefulSet');
    // An orphan may be adopted by any StatefulSet whose selector matches it.
    const orphanChanged = (pod: KubeObject): void => {
      if (!controllerOf(pod)) for (const sts of sets.list(pod.metadata.namespace)) if (this.selects(sts, pod)) this.enqueue(sts);
    };
    pods.on({ add: orphanChanged, update: (_o, p) => orphanChanged(p), delete: orphanChanged });
  }

  private selects(sts: StatefulSet, pod: KubeObject): boolean {
    try {
      return matchesLabels(selectorFromLabelSelector(sts.spec?.selector), pod.metadata.labels);
    } catch {
      return false;
    }
  }

  protected async sync(key: string): Promise<void> {
    const [namespace, name] = key.split('/');
    const sts = this.sets.get(namespace, name);
    // A deleted set's pods go with the garbage collector.
    if (!sts || sts.metadata.deletionTimestamp) return;
    const selector = selectorFromLabelSelector(sts.spec?.selector);
    // Pods whose names are not this set's ordinals are never adopted (isMemberOf).
    const candidates = this.pods.list(namespace).filter((p) => ordinalOf(sts, p) !== undefined || controllerOf(p)?.uid === sts.metadata.uid);
    const pods = await claim(this.ctx.client, R.statefulSets, R.pods, sts, selector, candidates);
    const history = ownedRevisions(sts, this.revisions.list(namespace));
    const update = await ensureRevision(this.ctx.client, sts, sts.spec?.template, history);
    const current = history.find((cr) => cr.metadata.name === sts.status?.currentRevision) ?? update;

    const plan = planStatefulSet(sts, pods, update.metadata.name!);
    for (const ordinal of plan.create) await this.createPod(sts, ordinal, update);
    for (const pod of plan.delete) await this.deletePod(sts, pod);

    const status = statefulSetStatus(sts, pods, current.metadata.name!, update.metadata.name!);
    if (JSON.stringify(sts.status ?? {}) !== JSON.stringify(status)) await writeStatus(this.ctx.client, R.statefulSets, sts, status);
    const live = new Set([status.currentRevision!, status.updateRevision!, ...pods.map((p) => p.metadata.labels?.[REVISION_LABEL] ?? '')]);
    await truncateHistory(this.ctx.client, ownedRevisions(sts, this.revisions.list(namespace)), live, sts.spec?.revisionHistoryLimit ?? 10);
  }

  /** The ordinal's claims first (kept if they exist: they hold its data), then its pod. */
  private async createPod(sts: StatefulSet, ordinal: number, revision: ControllerRevision): Promise<void> {
    const pod = statefulSetPod(sts, sts.spec?.template, ordinal, revision.metadata.name!);
    for (const pvc of claimsFor(sts, ordinal)) {
      try {
        await this.ctx.client.create(R.persistentVolumeClaims, sts.metadata.namespace, pvc);
        this.ctx.events.record(sts, 'Normal', 'SuccessfulCreate', `create Claim ${pvc.metadata.name} Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} success`);
      } catch (e) {
        if (!isConflict(e)) {
          this.ctx.events.record(sts, 'Warning', 'FailedCreate', `create Claim ${pvc.metadata.name} for Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} failed error: ${(e as Error).message}`);
          throw e;
        }
      }
    }
    try {
      await this.ctx.client.create(R.pods, sts.metadata.namespace, pod);
      this.ctx.events.record(sts, 'Normal', 'SuccessfulCreate', `create Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} successful`);
    } catch (e) {
      // Created by a previous sync the cache had not caught up with.
      if (isConflict(e)) return;
      this.ctx.events.record(sts, 'Warning', 'FailedCreate', `create Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} failed error: ${(e as Error).message}`);
      throw e;
    }
  }

  private async deletePod(sts: StatefulSet, pod: KubeObject): Promise<void> {
    try {
      await this.ctx.client.delete(R.pods, pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
      this.ctx.events.record(sts, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} successful`);
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }
}
