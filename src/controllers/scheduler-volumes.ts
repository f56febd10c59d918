// The scheduler's share of volume binding (kube-scheduler's VolumeBinding plugin, reduced): a
// pod's claims must exist; bound ones pin the pod to their volume's node; unbound ones of a
// WaitForFirstConsumer class are given the chosen node (the selected-node annotation) and the
// pod waits until the provisioner has bound them; unbound ones of an Immediate class wait.

import type { PersistentVolume, PersistentVolumeClaim } from '../apis/core/persistent-volumes.js';
import type { StorageClass } from '../apis/storage/storageclasses.js';
import type { KubeObject } from '../apis/types.js';
import type { Informer } from '../client/informer.js';
import { SELECTED_NODE, volumeNode } from './volume-binding-decisions.js';

export interface VolumeCaches {
  claims: Informer<PersistentVolumeClaim>;
  volumes: Informer<PersistentVolume>;
  classes: Informer<StorageClass>;
}

export type VolumeCheck =
  | { message: string }
  | { unfit: (node: string) => string | undefined; /** claims to give the chosen node */ waitFor: PersistentVolumeClaim[] };

export function podClaimNames(pod: KubeObject): string[] {
  return ((pod.spec?.volumes as { persistentVolumeClaim?: { claimName?: string } }[] | undefined) ?? [])
    .map((v) => v.persistentVolumeClaim?.claimName)
    .filter((n): n is string => !!n);
}

export function checkVolumes(pod: KubeObject, caches: VolumeCaches): VolumeCheck {
  const pinned = new Set<string>();
  const waitFor: PersistentVolumeClaim[] = [];
  for (const name of podClaimNames(pod)) {
    const claim = caches.claims.get(pod.metadata.namespace, name);
    if (!claim || claim.metadata.deletionTimestamp) return { message: `persistentvolumeclaim "${name}" not found` };
    const pv = claim.spec?.volumeName ? caches.volumes.get(undefined, claim.spec.volumeName) : undefined;
    if (pv && claim.status?.phase === 'Bound') {
      const node = volumeNode(pv);
      if (node) pinned.add(node);
      continue;
    }
    const sc = caches.classes.get(undefined, claim.spec?.storageClassName ?? '');
    if (sc?.volumeBindingMode !== 'WaitForFirstConsumer') return { message: 'pod has unbound immediate PersistentVolumeClaims' };
    const selected = claim.metadata.annotations?.[SELECTED_NODE];
    if (selected) pinned.add(selected);
    waitFor.push(claim);
  }
  return {
    unfit: (node) => ([...pinned].some((n) => n !== node) ? 'node(s) had volume node affinity conflict' : undefined),
    waitFor,
  };
}
