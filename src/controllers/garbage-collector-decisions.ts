// What the garbage collector does with one object (pure; attemptToDeleteItem and
// processDeletingDependentsItem of pkg/controller/garbagecollector), given what became of each
// of its owners:
// - an object being deleted with the `orphan` finalizer frees its dependents, then itself;
// - with `foregroundDeletion`, it deletes its dependents and waits for the blocking ones;
// - an object with owners: any live owner keeps it (references to gone owners are dropped);
//   if every owner is gone it is deleted, in the foreground when an owner waits for it.

import type { KubeObject, OwnerReference } from '../apis/types.js';

export const ORPHAN = 'orphan';
export const FOREGROUND = 'foregroundDeletion';

/** solid: exists; absent: gone or replaced (uid differs); waiting: being deleted in the foreground. */
export type OwnerState = 'solid' | 'absent' | 'waiting';

export type Action =
  | { kind: 'none' }
  | { kind: 'orphan-dependents' }
  | { kind: 'delete-dependents'; blocking: boolean }
  | { kind: 'drop-refs'; uids: string[] }
  | { kind: 'delete'; propagation: 'Background' | 'Foreground' | 'Orphan' };

const has = (obj: KubeObject, finalizer: string): boolean => obj.metadata.finalizers?.includes(finalizer) ?? false;

export const isDeletingDependents = (obj: KubeObject): boolean => !!obj.metadata.deletionTimestamp && has(obj, FOREGROUND);

/** Dependents that hold a foreground deletion of ownerUid back (blockOwnerDeletion). */
export function blocks(dep: KubeObject, ownerUid: string): boolean {
  return dep.metadata.ownerReferences?.some((r) => r.uid === ownerUid && r.blockOwnerDeletion) ?? false;
}

/**
 * obj: the object as read from the API; owners: the state of each owner reference;
 * dependents: the objects that name obj as an owner.
 */
export function decide(obj: KubeObject, owners: Map<OwnerReference, OwnerState>, dependents: KubeObject[]): Action {
  const uid = obj.metadata.uid!;
  if (obj.metadata.deletionTimestamp) {
    if (has(obj, ORPHAN)) return { kind: 'orphan-dependents' };
    if (has(obj, FOREGROUND)) return { kind: 'delete-dependents', blocking: dependents.some((d) => blocks(d, uid)) };
    return { kind: 'none' };
  }
  if (!owners.size) return { kind: 'none' };
  const states = [...owners.entries()];
  const notSolid = states.filter(([, s]) => s !== 'solid').map(([ref]) => ref.uid);
  if (states.some(([, s]) => s === 'solid')) return notSolid.length ? { kind: 'drop-refs', uids: notSolid } : { kind: 'none' };
  if (states.some(([, s]) => s === 'waiting') && dependents.length) return { kind: 'delete', propagation: 'Foreground' };
  if (has(obj, ORPHAN)) return { kind: 'delete', propagation: 'Orphan' };
  if (has(obj, FOREGROUND)) return { kind: 'delete', propagation: 'Foreground' };
  return { kind: 'delete', propagation: 'Background' };
}
