// Controller references (metav1.GetControllerOf) and the claim rules of Kubernetes'
// ControllerRefManager: a controller adopts orphans its selector matches and releases the
// objects it owns that its selector no longer matches; objects owned by another controller
// are never touched. Shared by the ReplicaSet (pods) and Deployment (ReplicaSets) controllers.

import type { Logger } from 'pino';
import type { KubeObject, OwnerReference } from '../apis/types.js';
import type { Client, ResourceId } from '../client/client.js';
import type { Informer } from '../client/informer.js';
import { matchesLabels, type LabelSelector } from '../util/labels.js';

export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller);
}

/** The index (Informer.addIndex) that files an object under its controller's uid, or an orphan
 *  under its namespace (as upstream's controllerUIDIndex files ReplicaSets): a controller reads
 *  the objects it owns and the orphans it may adopt, never its whole namespace. */
const CONTROLLER_INDEX = 'controller';
const orphanOf = (namespace: string | undefined): string => `orphan/${namespace ?? ''}`;

export function indexByController<T extends KubeObject>(informer: Informer<T>): void {
  informer.addIndex(CONTROLLER_INDEX, (obj) => [controllerOf(obj)?.uid ?? orphanOf(obj.metadata.namespace)]);
}

/** The cached objects whose controller is the object of this uid (indexByController first). */
export function controlledBy<T extends KubeObject>(informer: Informer<T>, uid: string): T[] {
  return informer.byIndex(CONTROLLER_INDEX, uid);
}

/** What owner may claim (claim()'s candidates): the objects it controls and the namespace's
 *  orphans; objects of other controllers are never its to take. */
export function claimCandidates<T extends KubeObject>(informer: Informer<T>, owner: KubeObject): T[] {
  return [...controlledBy(informer, owner.metadata.uid!), ...informer.byIndex(CONTROLLER_INDEX, orphanOf(owner.metadata.namespace))];
}

/** The owner of `kind` in `owners` that obj's controller reference names, if it still is
 *  that one (same uid). */
export function ownerIn<T extends KubeObject>(owners: Informer<T>, kind: string, obj: KubeObject): T | undefined {
  const ref = controllerOf(obj);
  if (ref?.kind !== kind) return undefined;
  const owner = owners.get(obj.metadata.namespace, ref.name);
  return owner?.metadata.uid === ref.uid ? owner : undefined;
}

/** The reference a controller puts on what it creates or adopts. */
export function newControllerRef(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion!,
    kind: owner.kind!,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export type ClaimAction = 'keep' | 'adopt' | 'release' | 'ignore';

/** What the owner does with one candidate (ClaimObject), decided on cached state. */
export function claimAction(owner: KubeObject, selector: LabelSelector, obj: KubeObject): ClaimAction {
  const ref = controllerOf(obj);
  const matches = matchesLabels(selector, obj.metadata.labels);
  if (ref) {
    if (ref.uid !== owner.metadata.uid) return 'ignore';
    if (matches) return 'keep';
    // An owner being deleted leaves its objects to the garbage collector.
    return owner.metadata.deletionTimestamp || obj.metadata.deletionTimestamp ? 'ignore' : 'release';
  }
  if (owner.metadata.deletionTimestamp || !matches || obj.metadata.deletionTimestamp) return 'ignore';
  return 'adopt';
}

/**
 * Claims candidates for owner: returns the ones it owns afterwards. Adoption first re-reads
 * the owner from the API (canAdopt), so a deleted or replaced owner adopts nothing. Writes are
 * compare-and-swap on the cached resourceVersion; a conflict fails the sync, which retries.
 */
export async function claim<T extends KubeObject>(
  client: Client,
  ownerResource: ResourceId,
  objResource: ResourceId,
  owner: KubeObject,
  selector: LabelSelector,
  candidates: T[],
): Promise<T[]> {
  const owned: T[] = [];
  let ownerChecked = false;
  for (const obj of candidates) {
    const action = claimAction(owner, selector, obj);
    if (action === 'keep') owned.push(obj);
    if (action === 'adopt') {
      if (!ownerChecked) {
        const fresh = await client.get(ownerResource, owner.metadata.namespace, owner.metadata.name!);
        if (fresh.metadata.uid !== owner.metadata.uid || fresh.metadata.deletionTimestamp) return owned;
        ownerChecked = true;
      }
      const refs = [...(obj.metadata.ownerReferences ?? []), newControllerRef(owner)];
      owned.push(await client.update<T>(objResource, obj.metadata.namespace, { ...obj, metadata: { ...obj.metadata, ownerReferences: refs } }));
    }
    if (action === 'release') await removeOwnerRef(client, objResource, obj, owner.metadata.uid!);
  }
  return owned;
}

/** Drops the reference to ownerUid from obj (release, orphaning); gone objects are fine. */
export async function removeOwnerRef(client: Client, r: ResourceId, obj: KubeObject, ownerUid: string): Promise<void> {
  const refs = (obj.metadata.ownerReferences ?? []).filter((ref) => ref.uid !== ownerUid);
  // JSON patch with a uid test: applies only to the object we looked at.
  const ops: unknown[] = [{ op: 'test', path: '/metadata/uid', value: obj.metadata.uid }];
  ops.push(refs.length ? { op: 'replace', path: '/metadata/ownerReferences', value: refs } : { op: 'remove', path: '/metadata/ownerReferences' });
  try {
    await client.patch(r, obj.metadata.namespace, obj.metadata.name!, 'json', ops);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

export const isNotFound = (e: unknown): boolean => (e as { code?: number }).code === 404;
/** 409: AlreadyExists, or a write against a changed object. */
export const isConflict = (e: unknown): boolean => (e as { code?: number }).code === 409;

/** A work queue's onError: a conflict is optimistic concurrency doing its job (the retry reads
 *  the new version), so it is logged at debug; anything else is a warning. */
export function logRetry(log: Logger, what: string, message: string): (key: string, err: unknown) => void {
  return (key, err) => {
    if (isConflict(err)) log.debug({ err, [what]: key }, message);
    else log.warn({ err, [what]: key }, message);
  };
}
