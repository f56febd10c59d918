// k8s.io/api/rbac/v1: Role, ClusterRole, RoleBinding, ClusterRoleBinding. Field numbers are
// those of generated.proto.

import { atomicList, f, inPackage, str } from './dsl.js';
import { LabelSelector, ObjectMeta } from './meta.js';

const rbac = inPackage('io.k8s.api.rbac.v1');

const PolicyRule = rbac('PolicyRule', {
  verbs: f(1, atomicList(str)),
  apiGroups: f(2, atomicList(str)),
  resources: f(3, atomicList(str)),
  resourceNames: f(4, atomicList(str)),
  nonResourceURLs: f(5, atomicList(str)),
});

const Subject = rbac('Subject', { kind: f(1, str), apiGroup: f(2, str), name: f(3, str), namespace: f(4, str) });
const RoleRef = rbac('RoleRef', { apiGroup: f(1, str), kind: f(2, str), name: f(3, str) });

export const Role = rbac('Role', { metadata: f(1, ObjectMeta), rules: f(2, atomicList(PolicyRule)) });

export const ClusterRole = rbac('ClusterRole', {
  metadata: f(1, ObjectMeta),
  rules: f(2, atomicList(PolicyRule)),
  aggregationRule: f(3, rbac('AggregationRule', { clusterRoleSelectors: f(1, atomicList(LabelSelector)) })),
});

export const RoleBinding = rbac('RoleBinding', { metadata: f(1, ObjectMeta), subjects: f(2, atomicList(Subject)), roleRef: f(3, RoleRef) });
export const ClusterRoleBinding = rbac('ClusterRoleBinding', { metadata: f(1, ObjectMeta), subjects: f(2, atomicList(Subject)), roleRef: f(3, RoleRef) });
