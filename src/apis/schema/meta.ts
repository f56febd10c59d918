// k8s.io/apimachinery/pkg/apis/meta/v1: the metadata every object carries.

import { any, atomicList, f, int64, inPackage, mapList, mapOf, ptr, setList, str, time, bool } from './dsl.js';

const meta = inPackage('io.k8s.apimachinery.pkg.apis.meta.v1');

export const OwnerReference = meta(
  'OwnerReference',
  {
    apiVersion: f(5, str),
    kind: f(1, str),
    name: f(3, str),
    uid: f(4, str),
    controller: ptr(6, bool),
    blockOwnerDeletion: ptr(7, bool),
  },
  true,
);

export const ManagedFieldsEntry = meta('ManagedFieldsEntry', {
  manager: f(1, str),
  operation: f(2, str),
  apiVersion: f(3, str),
  time: ptr(4, time),
  fieldsType: f(6, str),
  fieldsV1: f(7, any),
  subresource: f(8, str),
});

export const ObjectMeta = meta('ObjectMeta', {
  name: f(1, str),
  generateName: f(2, str),
  namespace: f(3, str),
  selfLink: f(4, str),
  uid: f(5, str),
  resourceVersion: f(6, str),
  generation: f(7, int64),
  creationTimestamp: f(8, time),
  deletionTimestamp: ptr(9, time),
  deletionGracePeriodSeconds: ptr(10, int64),
  labels: f(11, mapOf(str)),
  annotations: f(12, mapOf(str)),
  ownerReferences: f(13, mapList(OwnerReference, ['uid'], 'uid')),
  finalizers: f(14, setList(str, true)),
  managedFields: f(17, atomicList(ManagedFieldsEntry)),
});

export const ListMeta = meta('ListMeta', {
  selfLink: f(1, str),
  resourceVersion: f(2, str),
  continue: f(3, str),
  remainingItemCount: ptr(4, int64),
});

export const LabelSelectorRequirement = meta('LabelSelectorRequirement', {
  key: f(1, str),
  operator: f(2, str),
  values: f(3, atomicList(str)),
});

export const LabelSelector = meta(
  'LabelSelector',
  {
    matchLabels: f(1, mapOf(str)),
    matchExpressions: f(2, atomicList(LabelSelectorRequirement)),
  },
  true,
);

export const Condition = meta('Condition', {
  type: f(1, str),
  status: f(2, str),
  observedGeneration: f(3, int64),
  lastTransitionTime: f(4, time),
  reason: f(5, str),
  message: f(6, str),
});

/** `conditions` lists of metav1.Condition: merged and keyed by `type`. */
export const conditionList = mapList(Condition, ['type'], 'type');
