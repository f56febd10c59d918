// The DaemonSet controller (pkg/controller/daemon): one pod of the template on every node that
// should run it, created, replaced and rolled as daemonset-decisions plans, at the revision of
// the current template (ControllerRevisions, for `kubectl rollout history|undo ds`).

import type { DaemonSet } from '../apis/apps/daemonsets.js';
import type { ControllerRevision } from '../apis/apps/controllerrevisions.js';
import type { Node } from '../apis/core/nodes.js';
import { R } from '../client/client.js';
import type { Informer } from '../client/informer.js';
import { selectorFromLabelSelector } from '../util/labels.js';
import { claim, controllerOf, isConflict, isNotFound } from './controller-ref.js';
import { ensureRevision, HASH_LABEL, ownedRevisions, truncateHistory } from './controller-revisions.js';
import { daemonPod, daemonSetStatus, planDaemonSet, REVISION_HASH_LABEL } from './daemonset-decisions.js';
import { isPodActive } from './replicaset-pods.js';
import { QueueController } from './queue-controller.js';
import type { ControllerContext } from './workloads-context.js';
import { writeStatus } from './workloads-status.js';

export class DaemonSetController extends QueueController {
  constructor(
    private readonly ctx: ControllerContext,
    private readonly sets: Informer<DaemonSet>,
    private readonly pods: Informer,
    private readonly nodes: Informer<Node>,
    private readonly revisions: Informer<ControllerRevision>,
  ) {
    super(ctx.log, { workers: 2, keyField: 'daemonset', failure: 'daemonset sync failed; will retry', objects: sets });
    this.queueOwners(pods, sets, 'DaemonSet');
    const all = (): void => {
      for (const ds of sets.list()) this.enqueue(ds);
    };
    nodes.on({ add: all, update: all, delete: all });
  }

  protected async sync(key: string): Promise<void> {
    const [namespace, name] = key.split('/');
    const ds = this.sets.get(namespace, name);
    if (!ds || ds.metadata.deletionTimestamp) return;
    const selector = selectorFromLabelSelector(ds.spec?.selector);
    const candidates = this.pods.list(namespace).filter((p) => isPodActive(p) || controllerOf(p)?.uid === ds.metadata.uid);
    const pods = await claim(this.ctx.client, R.daemonSets, R.pods, ds, selector, candidates);
    const history = ownedRevisions(ds, this.revisions.list(namespace));
    const revision = await ensureRevision(this.ctx.client, ds, ds.spec?.template, history);
    const hash = revision.metadata.labels?.[HASH_LABEL] ?? '';
    const nodes = this.nodes.list();

    const plan = planDaemonSet(ds, nodes, pods, hash);
    for (const node of plan.create) {
      try {
        const pod = await this.ctx.client.create(R.pods, namespace, daemonPod(ds, node, hash));
        this.ctx.events.record(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
      } catch (e) {
        this.ctx.events.record(ds, 'Warning', 'FailedCreate', `Error creating: ${(e as Error).message}`);
        throw e;
      }
    }
    for (const pod of plan.delete) {
      try {
        await this.ctx.client.delete(R.pods, namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
        this.ctx.events.record(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
      } catch (e) {
        if (!isNotFound(e) && !isConflict(e)) throw e;
      }
    }
    const status = { ...daemonSetStatus(ds, nodes, pods, hash), ...(ds.status?.collisionCount ? { collisionCount: ds.status.collisionCount } : {}) };
    if (JSON.stringify(ds.status ?? {}) !== JSON.stringify(status)) await writeStatus(this.ctx.client, R.daemonSets, ds, status);
    const live = new Set(
      ownedRevisions(ds, this.revisions.list(namespace))
        .filter((cr) => cr === revision || pods.some((p) => p.metadata.labels?.[REVISION_HASH_LABEL] === cr.metadata.labels?.[HASH_LABEL]))
        .map((cr) => cr.metadata.name!),
    );
    live.add(revision.metadata.name!);
    await truncateHistory(this.ctx.client, ownedRevisions(ds, this.revisions.list(namespace)), live, ds.spec?.revisionHistoryLimit ?? 10);
  }
}
