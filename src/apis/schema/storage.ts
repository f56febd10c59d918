// Storage types: PersistentVolumeClaim and PersistentVolume (k8s.io/api/core/v1) and
// StorageClass (k8s.io/api/storage/v1). Field numbers and list types as generated.proto and the
// Go struct tags. Volume sources other than hostPath and local are accepted as `any`.

import { any, atomicList, bool, f, inline, inPackage, mapList, mapOf, ptr, quantity, str, time } from './dsl.js';
import { ObjectReference } from './core.js';
import { LabelSelector, ObjectMeta } from './meta.js';

const core = inPackage('io.k8s.api.core.v1');
const storage = inPackage('io.k8s.api.storage.v1');

export const TypedLocalObjectReference = core('TypedLocalObjectReference', { apiGroup: ptr(1, str), kind: f(2, str), name: f(3, str) }, true);

const PersistentVolumeClaimCondition = core('PersistentVolumeClaimCondition', {
  type: f(1, str),
  status: f(2, str),
  lastProbeTime: f(3, time),
  lastTransitionTime: f(4, time),
  reason: f(5, str),
  message: f(6, str),
});

export const PersistentVolumeClaimSpec = core('PersistentVolumeClaimSpec', {
  accessModes: f(1, atomicList(str)),
  selector: f(4, LabelSelector),
  resources: f(2, core('VolumeResourceRequirements', { limits: f(1, mapOf(quantity)), requests: f(2, mapOf(quantity)) })),
  volumeName: f(3, str),
  storageClassName: ptr(5, str),
  volumeMode: ptr(6, str),
  dataSource: f(7, TypedLocalObjectReference),
  dataSourceRef: f(8, any),
  volumeAttributesClassName: ptr(9, str),
});

export const PersistentVolumeClaim = core('PersistentVolumeClaim', {
  metadata: f(1, ObjectMeta),
  spec: f(2, PersistentVolumeClaimSpec),
  status: f(
    3,
    core('PersistentVolumeClaimStatus', {
      phase: f(1, str),
      accessModes: f(2, atomicList(str)),
      capacity: f(3, mapOf(quantity)),
      conditions: f(4, mapList(PersistentVolumeClaimCondition, ['type'], 'type')),
      allocatedResources: f(5, mapOf(quantity)),
      allocatedResourceStatuses: f(7, mapOf(str)),
      currentVolumeAttributesClassName: ptr(8, str),
      modifyVolumeStatus: f(9, any),
    }),
  ),
});

const NodeSelectorRequirement = core('NodeSelectorRequirement', { key: f(1, str), operator: f(2, str), values: f(3, atomicList(str)) });
const NodeSelectorTerm = core(
  'NodeSelectorTerm',
  { matchExpressions: f(1, atomicList(NodeSelectorRequirement)), matchFields: f(2, atomicList(NodeSelectorRequirement)) },
  true,
);
const NodeSelector = core('NodeSelector', { nodeSelectorTerms: f(1, atomicList(NodeSelectorTerm)) }, true);

const PersistentVolumeSource = core('PersistentVolumeSource', {
  gcePersistentDisk: f(1, any),
  awsElasticBlockStore: f(2, any),
  hostPath: f(3, core('HostPathVolumeSource', { path: f(1, str), type: ptr(2, str) })),
  glusterfs: f(4, any),
  nfs: f(5, any),
  rbd: f(6, any),
  iscsi: f(7, any),
  cinder: f(8, any),
  cephfs: f(9, any),
  fc: f(10, any),
  flocker: f(11, any),
  flexVolume: f(12, any),
  azureFile: f(13, any),
  vsphereVolume: f(14, any),
  quobyte: f(15, any),
  azureDisk: f(16, any),
  photonPersistentDisk: f(17, any),
  portworxVolume: f(18, any),
  scaleIO: f(19, any),
  local: f(20, core('LocalVolumeSource', { path: f(1, str), fsType: ptr(2, str) })),
  storageos: f(21, any),
  csi: f(22, any),
});

export const PersistentVolume = core('PersistentVolume', {
  metadata: f(1, ObjectMeta),
  spec: f(
    2,
    core('PersistentVolumeSpec', {
      capacity: f(1, mapOf(quantity)),
      persistentVolumeSource: inline(2, PersistentVolumeSource),
      accessModes: f(3, atomicList(str)),
      claimRef: f(4, ObjectReference),
      persistentVolumeReclaimPolicy: f(5, str),
      storageClassName: f(6, str),
      mountOptions: f(7, atomicList(str)),
      volumeMode: ptr(8, str),
      nodeAffinity: f(9, core('VolumeNodeAffinity', { required: f(1, NodeSelector) })),
      volumeAttributesClassName: ptr(10, str),
    }),
  ),
  status: f(
    3,
    core('PersistentVolumeStatus', { phase: f(1, str), message: f(2, str), reason: f(3, str), lastPhaseTransitionTime: ptr(4, time) }),
  ),
});

export const StorageClass = storage('StorageClass', {
  metadata: f(1, ObjectMeta),
  provisioner: f(2, str),
  parameters: f(3, mapOf(str)),
  reclaimPolicy: ptr(4, str),
  mountOptions: f(5, atomicList(str)),
  allowVolumeExpansion: ptr(6, bool),
  volumeBindingMode: ptr(7, str),
  allowedTopologies: f(8, atomicList(any)),
});

