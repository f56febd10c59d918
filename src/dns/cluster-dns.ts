// Cluster DNS as pods (netns network): the kube-dns Service with a selector and the `coredns`
// Deployment running the built-in image `tinykube/coredns`, as kubeadm installs CoreDNS. The
// Endpoints, readiness and failover are then those of any Deployment. Objects are pure; apply()
// server-side-applies them, so a restart converges instead of failing on "already exists".

import { R, type Client } from '../client/client.js';
import type { KubeObject } from '../apis/types.js';
import { SERVICE_ACCOUNT_MOUNT_PATH } from '../apis/core/service-account-admission.js';
import { KUBE_DNS } from './kube-dns-service.js';
import { corednsRbacObjects, RBAC_RESOURCES, SERVICE_ACCOUNT } from './coredns-rbac.js';

export const DNS_IMAGE = 'tinykube/coredns';
const LABELS = { 'k8s-app': 'kube-dns' };
const MANAGER = 'tinykube-dns';

export interface ClusterDnsSpec {
  /** The kube-dns ClusterIPs, one per service CIDR, primary first (10.96.0.10, fd00:10:96::a). */
  clusterIPs: string[];
  replicas: number;
  clusterDomain: string;
  /** How the pods reach the API (e.g. unix:///DATA/api.sock); they authenticate as the
   *  `coredns` ServiceAccount. */
  server: string;
  upstreams?: string[];
  /** The service CIDRs, whose reverse zones the DNS answers itself. */
  reverseCidrs?: string[];
}

export function clusterDnsObjects(s: ClusterDnsSpec): { service: KubeObject; deployment: KubeObject } {
  const { namespace, name } = KUBE_DNS;
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels: { ...LABELS, 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' } },
    spec: {
      selector: LABELS,
      // Both chosen, not allocated: the kubelets name them in pods' resolv.conf (--cluster-dns)
      // before kube-dns exists. One family where the cluster has one service range.
      clusterIP: s.clusterIPs[0],
      clusterIPs: s.clusterIPs,
      ipFamilyPolicy: 'PreferDualStack',
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
      ],
    },
  };
  const env = [
    { name: 'TINYKUBE_SERVER', value: s.server },
    { name: 'TINYKUBE_CA_FILE', value: `${SERVICE_ACCOUNT_MOUNT_PATH}/ca.crt` },
    { name: 'TINYKUBE_TOKEN_FILE', value: `${SERVICE_ACCOUNT_MOUNT_PATH}/token` },
    { name: 'TINYKUBE_DNS_IPS', value: s.clusterIPs.join(',') },
    { name: 'TINYKUBE_CLUSTER_DOMAIN', value: s.clusterDomain },
    { name: 'TINYKUBE_DNS_UPSTREAMS', value: (s.upstreams ?? []).join(',') },
    { name: 'TINYKUBE_DNS_REVERSE_CIDRS', value: (s.reverseCidrs ?? []).join(',') },
    // Every pod IP, so a dual-stack pod serves on its IPv6 address too (pod-main.ts).
    { name: 'POD_IPS', valueFrom: { fieldRef: { fieldPath: 'status.podIPs' } } },
  ];
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'coredns', namespace, labels: LABELS },
    spec: {
      replicas: s.replicas,
      selector: { matchLabels: LABELS },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: { labels: LABELS },
        spec: {
          serviceAccountName: SERVICE_ACCOUNT,
          containers: [
            {
              name: 'coredns',
              image: DNS_IMAGE,
              env,
              ports: [
                { name: 'dns', containerPort: 53, protocol: 'UDP' },
                { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
                { name: 'metrics', containerPort: 9153, protocol: 'TCP' },
              ],
              readinessProbe: { httpGet: { path: '/ready', port: 9153 }, periodSeconds: 2 },
            },
          ],
          // One per node where it can, so losing a node keeps DNS answering.
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 100, podAffinityTerm: { labelSelector: { matchLabels: LABELS }, topologyKey: 'kubernetes.io/hostname' } },
              ],
            },
          },
        },
      },
    },
  };
  return { service, deployment };
}

export async function applyClusterDns(client: Client, s: ClusterDnsSpec): Promise<void> {
  const { service, deployment } = clusterDnsObjects(s);
  const opts = { fieldManager: MANAGER, force: true };
  // The pods' identity first: their ServiceAccount must exist before they are admitted.
  const rbac = corednsRbacObjects();
  await client.patch(R.serviceAccounts, KUBE_DNS.namespace, SERVICE_ACCOUNT, 'apply', rbac.serviceAccount, opts);
  await client.patch(RBAC_RESOURCES.clusterRoles, undefined, rbac.clusterRole.metadata.name!, 'apply', rbac.clusterRole, opts);
  await client.patch(RBAC_RESOURCES.clusterRoleBindings, undefined, rbac.clusterRoleBinding.metadata.name!, 'apply', rbac.clusterRoleBinding, opts);
  await client.patch(R.services, KUBE_DNS.namespace, KUBE_DNS.name, 'apply', service, opts);
  await client.patch(R.deployments, KUBE_DNS.namespace, 'coredns', 'apply', deployment, opts);
}
