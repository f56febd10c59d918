// The garbage collector (pkg/controller/garbagecollector): a graph of ownerReferences over the
// watched resources (uid → object, owner uid → dependents), fed by informers. Changes enqueue
// the objects whose fate they may decide; a worker reads the object and its owners from the
// API (never acting on a possibly stale cache alone), asks garbage-collector-decisions.ts, and
// deletes, orphans or removes finalizers. The REST layer adds the `orphan` and
// `foregroundDeletion` finalizers for the propagation policies and deletes an object once its
// last finalizer is gone.

import type { KubeObject, OwnerReference } from '../apis/types.js';
import { R, type ResourceId } from '../client/client.js';
import type { Informer } from '../client/informer.js';
import { isNotFound, removeOwnerRef } from './controller-ref.js';
import { decide, FOREGROUND, isDeletingDependents, ORPHAN, type OwnerState } from './garbage-collector-decisions.js';
import { QueueController } from './queue-controller.js';
import type { ControllerContext } from './workloads-context.js';

/** Owner kinds the collector can look up, and whether they are namespaced. */
const OWNER_KINDS: Record<string, { r: ResourceId; namespaced: boolean }> = {
  Deployment: { r: R.deployments, namespaced: true },
  ReplicaSet: { r: R.replicaSets, namespaced: true },
  Pod: { r: R.pods, namespaced: true },
  Service: { r: R.services, namespaced: true },
  Endpoints: { r: R.endpoints, namespaced: true },
  EndpointSlice: { r: R.endpointSlices, namespaced: true },
  Node: { r: R.nodes, namespaced: false },
  StatefulSet: { r: R.statefulSets, namespaced: true },
  DaemonSet: { r: R.daemonSets, namespaced: true },
  Job: { r: R.jobs, namespaced: true },
  CronJob: { r: R.cronJobs, namespaced: true },
  Namespace: { r: R.namespaces, namespaced: false },
};

/** Being deleted with a finalizer that is the collector's to handle. */
const isInteresting = (obj: KubeObject): boolean =>
  !!obj.metadata.deletionTimestamp && (obj.metadata.finalizers?.includes(ORPHAN) || obj.metadata.finalizers?.includes(FOREGROUND) || false);

interface GraphNode {
  resource: ResourceId;
  obj: KubeObject;
}

export class GarbageCollector extends QueueController {
  private readonly nodes = new Map<string, GraphNode>();
  private readonly dependents = new Map<string, Set<string>>();

  constructor(
    private readonly ctx: ControllerContext,
    informers: Informer[],
  ) {
    super(ctx.log, { workers: 4, keyField: 'uid', failure: 'garbage collection failed; will retry' });
    for (const inf of informers) {
      inf.on({
        add: (obj) => this.upsert(inf.resource, obj),
        update: (_old, obj) => this.upsert(inf.resource, obj),
        delete: (obj) => this.remove(obj),
      });
    }
  }

  protected override *initialKeys(): Iterable<string> {
    for (const [uid, node] of this.nodes) if (node.obj.metadata.ownerReferences?.length || isInteresting(node.obj)) yield uid;
  }

  private enqueueUid(uid: string | undefined): void {
    if (uid) this.enqueueKey(uid);
  }

  private link(obj: KubeObject, add: boolean): void {
    for (const ref of obj.metadata.ownerReferences ?? []) {
      let set = this.dependents.get(ref.uid);
      if (add) {
        if (!set) this.dependents.set(ref.uid, (set = new Set()));
        set.add(obj.metadata.uid!);
      } else if (set) {
        set.delete(obj.metadata.uid!);
        if (!set.size) this.dependents.delete(ref.uid);
      }
    }
  }

  private upsert(resource: ResourceId, obj: KubeObject): void {
    const uid = obj.metadata.uid!;
    const prev = this.nodes.get(uid);
    if (prev) this.link(prev.obj, false);
    this.nodes.set(uid, { resource, obj });
    this.link(obj, true);
    // Status updates change nothing here: only new references and deletions are looked at.
    const was = prev?.obj.metadata;
    const refsChanged = JSON.stringify(was?.ownerReferences) !== JSON.stringify(obj.metadata.ownerReferences);
    const deletionChanged = was?.deletionTimestamp !== obj.metadata.deletionTimestamp || JSON.stringify(was?.finalizers) !== JSON.stringify(obj.metadata.finalizers);
    if ((refsChanged && obj.metadata.ownerReferences?.length) || (deletionChanged && isInteresting(obj))) this.enqueueUid(uid);
    // An owner deleting its dependents first looks at them all.
    if (isDeletingDependents(obj) && !prev?.obj.metadata.deletionTimestamp) for (const dep of this.dependents.get(uid) ?? []) this.enqueueUid(dep);
  }

  private remove(obj: KubeObject): void {
    const uid = obj.metadata.uid!;
    const node = this.nodes.get(uid);
    if (node) this.link(node.obj, false);
    this.nodes.delete(uid);
    // Its dependents may now be garbage; its owners may have been waiting for it.
    for (const dep of this.dependents.get(uid) ?? []) this.enqueueUid(dep);
    for (const ref of obj.metadata.ownerReferences ?? []) this.enqueueUid(ref.uid);
  }

  private dependentsOf(uid: string): GraphNode[] {
    return [...(this.dependents.get(uid) ?? [])].flatMap((d) => this.nodes.get(d) ?? []);
  }

  protected async sync(uid: string): Promise<void> {
    const node = this.nodes.get(uid);
    if (!node) return;
    const { namespace, name } = node.obj.metadata;
    let obj: KubeObject;
    try {
      obj = await this.ctx.client.get(node.resource, namespace, name!);
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    if (obj.metadata.uid !== uid) return;
    const owners = new Map<OwnerReference, OwnerState>();
    if (!obj.metadata.deletionTimestamp) for (const ref of obj.metadata.ownerReferences ?? []) owners.set(ref, await this.ownerState(ref, namespace));
    const deps = this.dependentsOf(uid);
    const action = decide(obj, owners, deps.map((d) => d.obj));
    switch (action.kind) {
      case 'none':
        return;
      case 'orphan-dependents':
        for (const dep of deps) await removeOwnerRef(this.ctx.client, dep.resource, dep.obj, uid);
        return this.removeFinalizer(node.resource, obj, ORPHAN);
      case 'delete-dependents':
        for (const dep of deps) if (!dep.obj.metadata.deletionTimestamp) this.enqueueUid(dep.obj.metadata.uid);
        if (!action.blocking) await this.removeFinalizer(node.resource, obj, FOREGROUND);
        return;
      case 'drop-refs':
        for (const owner of action.uids) await removeOwnerRef(this.ctx.client, node.resource, obj, owner);
        return;
      case 'delete':
        try {
          await this.ctx.client.delete(node.resource, namespace, name!, { propagationPolicy: action.propagation, preconditions: { uid } });
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
    }
  }

  /** Whether an owner still exists, read from the API: the cache may not have seen it yet. */
  private async ownerState(ref: OwnerReference, namespace: string | undefined): Promise<OwnerState> {
    const kind = OWNER_KINDS[ref.kind];
    // An owner of a kind we cannot look up is never assumed gone.
    if (!kind) return 'solid';
    let owner: KubeObject;
    try {
      owner = await this.ctx.client.get(kind.r, kind.namespaced ? namespace : undefined, ref.name);
    } catch (e) {
      if (isNotFound(e)) return 'absent';
      throw e;
    }
    if (owner.metadata.uid !== ref.uid) return 'absent';
    return isDeletingDependents(owner) ? 'waiting' : 'solid';
  }

  private async removeFinalizer(r: ResourceId, obj: KubeObject, finalizer: string): Promise<void> {
    const finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    try {
      // The resourceVersion makes it compare-and-swap: a concurrent change retries the sync.
      await this.ctx.client.patch(r, obj.metadata.namespace, obj.metadata.name!, 'merge', {
        metadata: { finalizers: finalizers.length ? finalizers : null, resourceVersion: obj.metadata.resourceVersion },
      });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
