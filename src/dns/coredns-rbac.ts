// What CoreDNS's pods run as, created with the addon as kubeadm does (not the API server's
// bootstrap policy): the `coredns` ServiceAccount in kube-system, the `system:coredns`
// ClusterRole (list and watch what the kubernetes plugin reads) and its binding to that account.

import type { KubeObject } from '../apis/types.js';
import type { ResourceId } from '../client/client.js';
import { KUBE_DNS } from './kube-dns-service.js';

export const SERVICE_ACCOUNT = 'coredns';
const ROLE = 'system:coredns';
const RBAC = 'rbac.authorization.k8s.io';
const LABELS = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };

export const RBAC_RESOURCES = {
  clusterRoles: { group: RBAC, version: 'v1', resource: 'clusterroles' },
  clusterRoleBindings: { group: RBAC, version: 'v1', resource: 'clusterrolebindings' },
} as const satisfies Record<string, ResourceId>;

export function corednsRbacObjects(): { serviceAccount: KubeObject; clusterRole: KubeObject; clusterRoleBinding: KubeObject } {
  const { namespace } = KUBE_DNS;
  return {
    serviceAccount: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: SERVICE_ACCOUNT, namespace } },
    clusterRole: {
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRole',
      metadata: { name: ROLE, labels: LABELS },
      rules: [
        { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
      ],
    },
    clusterRoleBinding: {
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name: ROLE, labels: LABELS },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: ROLE },
      subjects: [{ kind: 'ServiceAccount', name: SERVICE_ACCOUNT, namespace }],
    },
  };
}
