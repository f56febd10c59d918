// What the PersistentVolume controller decides (pure; pkg/controller/volume/persistentvolume and
// k3s's local-path-provisioner): which volume a claim binds to, the volume the local-path
// provisioner makes for a claim, and the bound forms of both.

import type { PersistentVolume, PersistentVolumeClaim } from '../apis/core/persistent-volumes.js';
import { quantityBytes } from '../apis/core/persistent-volumes.js';
import type { StorageClass } from '../apis/storage/storageclasses.js';
import { DEFAULT_CLASS_ANNOTATION } from '../apis/storage/storageclasses.js';

export const LOCAL_PATH_PROVISIONER = 'rancher.io/local-path';
/** Set by the scheduler on a WaitForFirstConsumer claim: the node its first pod goes to. */
export const SELECTED_NODE = 'volume.kubernetes.io/selected-node';
const HOSTNAME_LABEL = 'kubernetes.io/hostname';

/** The class k3s ships: local directories, provisioned when the first pod is scheduled. */
export const LOCAL_PATH_CLASS: StorageClass = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: 'local-path', annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } },
  provisioner: LOCAL_PATH_PROVISIONER,
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'WaitForFirstConsumer',
};

const classOf = (o: { spec?: { storageClassName?: string } }): string => o.spec?.storageClassName ?? '';

/** findBestMatchForClaim: the smallest available volume of the claim's class that holds its
 *  request with all its access modes (or the one it names). */
export function matchVolume(claim: PersistentVolumeClaim, volumes: PersistentVolume[]): PersistentVolume | undefined {
  const want = quantityBytes(claim.spec?.resources?.requests?.storage);
  const modes = claim.spec?.accessModes ?? [];
  const fits = volumes.filter((pv) => {
    const ref = pv.spec?.claimRef;
    if (ref && (ref.namespace !== claim.metadata.namespace || ref.name !== claim.metadata.name || (ref.uid && ref.uid !== claim.metadata.uid))) return false;
    if (!ref && pv.status?.phase !== 'Available') return false;
    if (pv.metadata.deletionTimestamp) return false;
    if (claim.spec?.volumeName) return pv.metadata.name === claim.spec.volumeName;
    return (
      classOf(pv) === classOf(claim) &&
      quantityBytes(pv.spec?.capacity?.storage) >= want &&
      modes.every((m) => pv.spec?.accessModes?.includes(m)) &&
      (pv.spec?.volumeMode ?? 'Filesystem') === (claim.spec?.volumeMode ?? 'Filesystem')
    );
  });
  // A volume pre-bound to this claim wins; otherwise the smallest that fits.
  return fits.find((pv) => pv.spec?.claimRef) ?? fits.sort((a, b) => quantityBytes(a.spec?.capacity?.storage) - quantityBytes(b.spec?.capacity?.storage))[0];
}

/** The directory local-path gives a claim: `pvc-<uid>_<namespace>_<name>`, as k3s names it. */
export const localPathDir = (storageDir: string, claim: PersistentVolumeClaim): string =>
  `${storageDir}/pvc-${claim.metadata.uid}_${claim.metadata.namespace}_${claim.metadata.name}`;

/** The hostPath volume local-path provisions for a claim on a node (none: any node). */
export function provisionVolume(claim: PersistentVolumeClaim, sc: StorageClass, storageDir: string, node: string | undefined): PersistentVolume {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: {
      name: `pvc-${claim.metadata.uid}`,
      annotations: { 'pv.kubernetes.io/provisioned-by': sc.provisioner!, 'local.path.provisioner/selected-node': node ?? '' },
    },
    spec: {
      capacity: { storage: claim.spec?.resources?.requests?.storage ?? '0' },
      hostPath: { path: localPathDir(storageDir, claim), type: 'DirectoryOrCreate' },
      accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
      claimRef: {
        kind: 'PersistentVolumeClaim',
        namespace: claim.metadata.namespace,
        name: claim.metadata.name,
        uid: claim.metadata.uid,
        apiVersion: 'v1',
        resourceVersion: claim.metadata.resourceVersion,
      },
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
      storageClassName: sc.metadata.name,
      volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
      ...(node
        ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME_LABEL, operator: 'In', values: [node] }] }] } } }
        : {}),
    },
  };
}

/** The node a volume is pinned to by its node affinity on kubernetes.io/hostname, if any. */
export function volumeNode(pv: PersistentVolume): string | undefined {
  const terms = (pv.spec?.nodeAffinity as { required?: { nodeSelectorTerms?: { matchExpressions?: { key: string; operator: string; values?: string[] }[] }[] } } | undefined)
    ?.required?.nodeSelectorTerms;
  const expr = terms?.[0]?.matchExpressions?.find((e) => e.key === HOSTNAME_LABEL && e.operator === 'In');
  return expr?.values?.[0];
}

/** The claim's side of a binding: the volume's name, then Bound with its capacity. */
export function boundClaim(claim: PersistentVolumeClaim, pv: PersistentVolume): PersistentVolumeClaim {
  return {
    ...claim,
    metadata: {
      ...claim.metadata,
      annotations: { ...(claim.metadata.annotations ?? {}), 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' },
    },
    spec: { ...claim.spec, volumeName: pv.metadata.name },
  };
}

export const boundClaimStatus = (pv: PersistentVolume): PersistentVolumeClaim['status'] => ({
  phase: 'Bound',
  accessModes: pv.spec?.accessModes,
  capacity: pv.spec?.capacity,
});
