// The Deployment controller (pkg/controller/deployment): one ReplicaSet per pod template, named
// by the template's hash; rollouts (RollingUpdate within maxSurge/maxUnavailable, Recreate) as
// steps that each scale one way and then report status; revisions as annotations, so that
// `kubectl rollout history|undo` work; paused Deployments only scale. The arithmetic lives in
// deployment-rollout.ts and the status in deployment-status.ts; this file reads the caches and
// writes the results.

import type { Deployment } from '../apis/apps/deployments.js';
import type { ReplicaSet } from '../apis/apps/replicasets.js';
import type { KubeObject } from '../apis/types.js';
import { R } from '../client/client.js';
import type { Informer } from '../client/informer.js';
import { isEverything, matchesLabels, selectorFromLabelSelector } from '../util/labels.js';
import { claim, controlledBy, controllerOf, indexByController, isConflict, isNotFound, newControllerRef, ownerIn } from './controller-ref.js';
import { equalIgnoreHash, POD_TEMPLATE_HASH, templateHash } from './deployment-hash.js';
import {
  DESIRED_REPLICAS,
  historyToDelete,
  isScalingEvent,
  MAX_REPLICAS,
  maxSurge,
  newRSReplicas,
  proportionalScale,
  REVISION,
  revisionOf,
  scaleDownOld,
  specReplicas,
  type Scale,
} from './deployment-rollout.js';
import {
  calculateStatus,
  conditionOf,
  isComplete,
  msUntilDeadline,
  newCondition,
  pausedStatus,
  REASON,
  rolloutStatus,
  setCondition,
  statusOf,
  type DeploymentStatus,
} from './deployment-status.js';
import { isPodTerminal } from './replicaset-pods.js';
import { QueueController } from './queue-controller.js';
import type { ControllerContext } from './workloads-context.js';
import { writeStatus } from './workloads-status.js';

const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
/** Annotations of a Deployment that are not copied to its ReplicaSets (annotationsToSkip). */
const NOT_COPIED = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  REVISION_HISTORY,
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  'deprecated.deployment.rollback.to',
]);

export class DeploymentController extends QueueController {

  constructor(
    private readonly ctx: ControllerContext,
    private readonly deployments: Informer<Deployment>,
    private readonly replicaSets: Informer<ReplicaSet>,
    private readonly pods: Informer,
  ) {
    super(ctx.log, { workers: 4, keyField: 'deployment', failure: 'deployment sync failed; will retry', objects: deployments, deletes: true });
    replicaSets.on({
      add: (rs) => this.replicaSetChanged(rs),
      update: (old, rs) => {
        if (controllerOf(old)?.uid !== controllerOf(rs)?.uid) this.replicaSetChanged(old);
        this.replicaSetChanged(rs);
      },
      delete: (rs) => this.replicaSetChanged(rs),
    });
    indexByController(pods);
    // Recreate waits for the old pods to be gone.
    pods.on({ delete: (pod) => this.podDeleted(pod) });
  }

  private ownerOf(rs: KubeObject): Deployment | undefined {
    return ownerIn(this.deployments, 'Deployment', rs);
  }

  private replicaSetChanged(rs: KubeObject): void {
    if (controllerOf(rs)) {
      const d = this.ownerOf(rs);
      if (d) this.enqueue(d);
      return;
    }
    // An orphan: every Deployment that could adopt it.
    for (const d of this.deployments.list(rs.metadata.namespace)) {
      try {
        if (matchesLabels(selectorFromLabelSelector(d.spec?.selector), rs.metadata.labels)) this.enqueue(d);
      } catch {
        // An invalid selector selects nothing.
      }
    }
  }

  private podDeleted(pod: KubeObject): void {
    const ref = controllerOf(pod);
    if (ref?.kind !== 'ReplicaSet') return;
    const rs = this.replicaSets.get(pod.metadata.namespace, ref.name);
    const d = rs && this.ownerOf(rs);
    if (d?.spec?.strategy?.type === 'Recreate') this.enqueue(d);
  }

  protected async sync(key: string): Promise<void> {
    const [namespace, name] = key.split('/');
    const cached = this.deployments.get(namespace, name);
    if (!cached) return;
    const run = new Rollout(this.ctx, structuredClone(cached));
    const selector = selectorFromLabelSelector(cached.spec?.selector);
    if (isEverything(selector)) {
      this.ctx.events.record(cached, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((statusOf(cached).observedGeneration ?? 0) < (cached.metadata.generation ?? 0)) {
        await run.writeStatus({ ...statusOf(cached), observedGeneration: cached.metadata.generation });
      }
      return;
    }
    const candidates = this.replicaSets.list(namespace);
    const rsList = await claim(this.ctx.client, R.deployments, R.replicaSets, cached, selector, candidates);
    if (cached.metadata.deletionTimestamp) return run.statusOnly(rsList);
    const paused = pausedStatus(run.d, this.ctx.now());
    if (paused) await run.writeStatus(paused);
    if (run.d.spec?.paused) return run.scaleOnly(rsList, true);
    const { oldRSs, newRS } = run.split(rsList);
    if (isScalingEvent(run.d, [...oldRSs, ...opt(newRS)].filter((rs) => specReplicas(rs) > 0))) return run.scaleOnly(rsList, false);
    const requeue =
      run.d.spec?.strategy?.type === 'Recreate' ? await run.recreate(rsList, this.podsOf(rsList)) : await run.rollingUpdate(rsList);
    if (requeue !== undefined) this.enqueue(cached, requeue);
  }

  /** The pods of the Deployment's ReplicaSets, by ReplicaSet uid. */
  private podsOf(rsList: ReplicaSet[]): Map<string, KubeObject[]> {
    return new Map(rsList.map((rs) => [rs.metadata.uid!, controlledBy(this.pods, rs.metadata.uid!)]));
  }
}

/** One sync of one Deployment: keeps the latest written Deployment object as it goes. */
class Rollout {
  constructor(
    private readonly ctx: ControllerContext,
    public d: Deployment,
  ) {}

  split(rsList: ReplicaSet[]): { newRS?: ReplicaSet; oldRSs: ReplicaSet[] } {
    const byAge = [...rsList].sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''));
    const newRS = byAge.find((rs) => equalIgnoreHash(rs.spec?.template, this.d.spec?.template));
    return { newRS, oldRSs: rsList.filter((rs) => rs !== newRS) };
  }

  async statusOnly(rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.replicaSetsAndRevision(rsList, false);
    await this.writeStatus(calculateStatus(this.d, [...oldRSs, ...opt(newRS)], newRS, this.ctx.now()));
  }

  /** sync(): a paused Deployment or a scaling event: scale, clean up history, report. */
  async scaleOnly(rsList: ReplicaSet[], paused: boolean): Promise<void> {
    const { newRS, oldRSs } = await this.replicaSetsAndRevision(rsList, false);
    let all = [...oldRSs, ...opt(newRS)];
    all = await this.apply(proportionalScale(this.d, newRS, oldRSs), all);
    if (paused) await this.cleanup(all.filter((rs) => rs.metadata.uid !== newRS?.metadata.uid));
    const latestNew = all.find((rs) => rs.metadata.uid === newRS?.metadata.uid);
    await this.writeStatus(calculateStatus(this.d, all, latestNew, this.ctx.now()));
  }

  /** rolloutRolling: grow the new ReplicaSet, else shrink the old ones, then report. Returns a requeue delay. */
  async rollingUpdate(rsList: ReplicaSet[]): Promise<number | undefined> {
    const { newRS, oldRSs } = await this.replicaSetsAndRevision(rsList, true);
    let all = [...oldRSs, newRS!];
    let nrs = newRS!;
    let scaled = false;
    if (specReplicas(nrs) !== specReplicas(this.d)) {
      const target = specReplicas(nrs) > specReplicas(this.d) ? specReplicas(this.d) : newRSReplicas(this.d, all, nrs);
      scaled = target !== specReplicas(nrs);
      all = await this.apply([{ rs: nrs, replicas: target }], all);
      nrs = all[all.length - 1];
    }
    if (!scaled) {
      const olds = all.slice(0, -1);
      const active = olds.filter((rs) => specReplicas(rs) > 0);
      const plan = scaleDownOld(this.d, all, active, nrs);
      all = await this.apply(plan, all);
      scaled = plan.length > 0;
      if (!scaled && isComplete(this.d, statusOf(this.d))) await this.cleanup(olds);
    }
    return this.reportRollout(all, all[all.length - 1]);
  }

  /** rolloutRecreate: all old pods gone before the new ReplicaSet grows. */
  async recreate(rsList: ReplicaSet[], podsByRS: Map<string, KubeObject[]>): Promise<number | undefined> {
    let { newRS, oldRSs } = await this.replicaSetsAndRevision(rsList, false);
    let all = [...oldRSs, ...opt(newRS)];
    const downs = oldRSs.filter((rs) => specReplicas(rs) > 0).map((rs): Scale => ({ rs, replicas: 0 }));
    if (downs.length) {
      all = await this.apply(downs, all);
      return this.reportRollout(all, newRS && all.find((rs) => rs.metadata.uid === newRS!.metadata.uid));
    }
    const oldRunning =
      oldRSs.some((rs) => (rs.status?.replicas ?? 0) > 0) ||
      oldRSs.some((rs) => (podsByRS.get(rs.metadata.uid!) ?? []).some((p) => !isPodTerminal(p)));
    if (oldRunning) return this.reportRollout(all, newRS);
    if (!newRS) {
      ({ newRS, oldRSs } = await this.replicaSetsAndRevision(rsList, true));
      all = [...oldRSs, newRS!];
    }
    all = await this.apply([{ rs: newRS!, replicas: specReplicas(this.d) }], all);
    if (isComplete(this.d, statusOf(this.d))) await this.cleanup(oldRSs);
    return this.reportRollout(all, all.find((rs) => rs.metadata.uid === newRS!.metadata.uid));
  }

  private async reportRollout(all: ReplicaSet[], newRS: ReplicaSet | undefined): Promise<number | undefined> {
    const now = this.ctx.now();
    const status = rolloutStatus(this.d, all, newRS, now);
    await this.writeStatus(status);
    return msUntilDeadline(this.d, status, now);
  }

  /**
   * getAllReplicaSetsAndSyncRevision: finds (or creates) the ReplicaSet of the current
   * template, gives it the next revision and the Deployment's annotations, and records that
   * revision on the Deployment.
   */
  private async replicaSetsAndRevision(rsList: ReplicaSet[], create: boolean): Promise<{ newRS?: ReplicaSet; oldRSs: ReplicaSet[] }> {
    const { newRS: existing, oldRSs } = this.split(rsList);
    const revision = String(Math.max(0, ...oldRSs.map(revisionOf)) + 1);
    let newRS = existing;
    let status = statusOf(this.d);
    if (existing) {
      const annotations = this.replicaSetAnnotations(existing, revision);
      if (annotations || existing.spec?.minReadySeconds !== this.d.spec?.minReadySeconds) {
        newRS = await this.ctx.client.patch<ReplicaSet>(R.replicaSets, existing.metadata.namespace, existing.metadata.name!, 'merge', {
          metadata: { annotations: annotations ?? {} },
          spec: { minReadySeconds: this.d.spec?.minReadySeconds ?? null },
        });
      }
      if (!conditionOf(status, 'Progressing') && this.d.spec?.progressDeadlineSeconds !== undefined) {
        status = setCondition(status, newCondition('Progressing', 'True', REASON.foundNewRS, `Found new replica set "${existing.metadata.name}"`, this.ctx.now()));
      }
    } else if (create) {
      newRS = await this.createReplicaSet(oldRSs, revision);
      status = setCondition(statusOf(this.d), newCondition('Progressing', 'True', REASON.newRSCreated, `Created new replica set "${newRS.metadata.name}"`, this.ctx.now()));
    }
    if (newRS) await this.setRevision(newRS.metadata.annotations?.[REVISION] ?? revision);
    if (status !== statusOf(this.d)) await this.writeStatus(status);
    return { newRS, oldRSs };
  }

  /** SetNewReplicaSetAnnotations for an existing ReplicaSet: the new annotations, or undefined when unchanged. */
  private replicaSetAnnotations(rs: ReplicaSet, revision: string): Record<string, string> | undefined {
    const next = { ...(rs.metadata.annotations ?? {}) };
    for (const [k, v] of Object.entries(this.d.metadata.annotations ?? {})) if (!NOT_COPIED.has(k)) next[k] = v;
    const old = next[REVISION];
    if (Number(old ?? 0) < Number(revision)) {
      // Rolling back to this ReplicaSet: it remembers the revisions it had.
      if (old) next[REVISION_HISTORY] = next[REVISION_HISTORY] ? `${next[REVISION_HISTORY]},${old}` : old;
      next[REVISION] = revision;
    }
    return JSON.stringify(next) === JSON.stringify(rs.metadata.annotations ?? {}) ? undefined : next;
  }

  private async createReplicaSet(oldRSs: ReplicaSet[], revision: string): Promise<ReplicaSet> {
    const d = this.d;
    const hash = templateHash(d.spec?.template, statusOf(d).collisionCount);
    const template = structuredClone(d.spec?.template ?? {});
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH]: hash } };
    const selector = structuredClone(d.spec?.selector ?? {});
    selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH]: hash };
    const annotations: Record<string, string> = {};
    for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (!NOT_COPIED.has(k)) annotations[k] = v;
    Object.assign(annotations, this.replicasAnnotations(), { [REVISION]: revision });
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        labels: template.metadata.labels,
        annotations,
        ownerReferences: [newControllerRef(d)],
      },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds, selector, template },
    };
    rs.spec!.replicas = newRSReplicas(d, [...oldRSs, rs], rs);
    try {
      const created = await this.ctx.client.create<ReplicaSet>(R.replicaSets, d.metadata.namespace, rs);
      if (specReplicas(created) > 0) this.scaledEvent(created, 0, specReplicas(created));
      return created;
    } catch (e) {
      if (!isConflict(e)) throw e;
      const found = await this.ctx.client.get<ReplicaSet>(R.replicaSets, d.metadata.namespace, rs.metadata.name!);
      if (controllerOf(found)?.uid === d.metadata.uid && equalIgnoreHash(found.spec?.template, d.spec?.template)) return found;
      // A different template with the same hash: the next name comes from a higher collision count.
      await this.writeStatus({ ...statusOf(d), collisionCount: (statusOf(d).collisionCount ?? 0) + 1 });
      throw new Error(`hash collision for ReplicaSet ${rs.metadata.name}`);
    }
  }

  private replicasAnnotations(): Record<string, string> {
    return { [DESIRED_REPLICAS]: String(specReplicas(this.d)), [MAX_REPLICAS]: String(specReplicas(this.d) + maxSurge(this.d)) };
  }

  /** Scales ReplicaSets (with their replicas annotations); returns `all` with the written objects. */
  private async apply(plan: Scale[], all: ReplicaSet[]): Promise<ReplicaSet[]> {
    const replaced = new Map<string, ReplicaSet>();
    for (const { rs, replicas } of plan) {
      const annotations = { ...rs.metadata.annotations, ...this.replicasAnnotations() };
      if (replicas === specReplicas(rs) && JSON.stringify(annotations) === JSON.stringify(rs.metadata.annotations)) continue;
      // A patch, not a PUT: the ReplicaSet controller's status writes do not make it conflict.
      const written = await this.ctx.client.patch<ReplicaSet>(R.replicaSets, rs.metadata.namespace, rs.metadata.name!, 'merge', {
        metadata: { annotations: this.replicasAnnotations() },
        spec: { replicas },
      });
      if (replicas !== specReplicas(rs)) this.scaledEvent(rs, specReplicas(rs), replicas);
      replaced.set(rs.metadata.uid!, written);
    }
    return all.map((rs) => replaced.get(rs.metadata.uid!) ?? rs);
  }

  private scaledEvent(rs: ReplicaSet, from: number, to: number): void {
    const how = to > from ? 'up' : 'down';
    this.ctx.events.record(this.d, 'Normal', 'ScalingReplicaSet', `Scaled ${how} replica set ${rs.metadata.name} from ${from} to ${to}`);
  }

  /** Deletes old ReplicaSets beyond revisionHistoryLimit. */
  private async cleanup(oldRSs: ReplicaSet[]): Promise<void> {
    for (const rs of historyToDelete(this.d, oldRSs)) {
      try {
        await this.ctx.client.delete(R.replicaSets, rs.metadata.namespace, rs.metadata.name!, { preconditions: { uid: rs.metadata.uid } });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
  }

  private async setRevision(revision: string): Promise<void> {
    if (this.d.metadata.annotations?.[REVISION] === revision) return;
    this.d = await this.ctx.client.patch<Deployment>(R.deployments, this.d.metadata.namespace, this.d.metadata.name!, 'merge', {
      metadata: { annotations: { [REVISION]: revision } },
    });
  }

  async writeStatus(status: DeploymentStatus): Promise<void> {
    if (JSON.stringify(status) === JSON.stringify(statusOf(this.d))) return;
    this.d = (await writeStatus(this.ctx.client, R.deployments, this.d, status)) ?? this.d;
  }
}

const opt = <T>(x: T | undefined): T[] => (x ? [x] : []);
