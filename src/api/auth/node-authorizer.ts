// The Node authorizer (plugin/pkg/auth/authorizer/node) for users `system:node:NAME` in group
// `system:nodes`: a node reads the secrets, configmaps and claims of the pods bound to it, asks
// tokens for their ServiceAccounts, keeps its own Lease, and otherwise may do what kubelets do
// (NodeRules; NodeRestriction admission then limits its writes to its own objects). Which
// objects a node's pods reference comes from an index kept by the store's watch (node-graph.ts),
// as upstream's graph.

import type { KubeObject } from '../../apis/types.js';
import type { PolicyRule } from '../../apis/rbac/types.js';
import type { Attributes, Decision } from './attributes.js';
import type { UserInfo } from './authenticate.js';
import { ruleAllows } from './rbac-rules.js';

export const NODES_GROUP = 'system:nodes';
const NODE_USER_PREFIX = 'system:node:';
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** nodeidentifier: the node a user is, '' for a node user without a name, undefined for others. */
export function nodeIdentity(user: UserInfo): string | undefined {
  if (!user.groups.includes(NODES_GROUP) || !user.username.startsWith(NODE_USER_PREFIX)) return undefined;
  return user.username.slice(NODE_USER_PREFIX.length);
}

const rule = (verbs: string[], resources: string[], apiGroups = ['']): PolicyRule => ({ verbs, apiGroups, resources });
const READ = ['get', 'list', 'watch'];

/** bootstrappolicy.NodeRules: what any kubelet may do (system:node holds the same). */
export const NODE_RULES: PolicyRule[] = [
  rule(['create'], ['tokenreviews'], ['authentication.k8s.io']),
  rule(['create'], ['subjectaccessreviews', 'localsubjectaccessreviews'], ['authorization.k8s.io']),
  rule(READ, ['services']),
  rule(['create', 'get', 'list', 'watch'], ['nodes']),
  rule(['update', 'patch'], ['nodes/status']),
  rule(['update', 'patch'], ['nodes']),
  rule(['create', 'update', 'patch'], ['events']),
  rule(READ, ['pods']),
  rule(['create', 'delete'], ['pods']),
  rule(['update', 'patch'], ['pods/status']),
  rule(['create'], ['pods/eviction']),
  rule(['get', 'list', 'watch'], ['secrets', 'configmaps']),
  rule(['get'], ['persistentvolumeclaims', 'persistentvolumes']),
  rule(['get'], ['endpoints']),
  rule(['create', 'get', 'list', 'watch'], ['certificatesigningrequests'], ['certificates.k8s.io']),
  rule(['get', 'create', 'update', 'patch', 'delete'], ['leases'], ['coordination.k8s.io']),
  rule(['get'], ['volumeattachments'], ['storage.k8s.io']),
  rule(['create'], ['serviceaccounts/token']),
  rule(['update', 'patch'], ['persistentvolumeclaims/status']),
];

interface Pod extends KubeObject {
  spec?: {
    serviceAccountName?: string;
    imagePullSecrets?: { name?: string }[];
    volumes?: {
      secret?: { secretName?: string };
      configMap?: { name?: string };
      persistentVolumeClaim?: { claimName?: string };
      projected?: { sources?: { secret?: { name?: string }; configMap?: { name?: string } }[] };
    }[];
    containers?: Container[];
    initContainers?: Container[];
  };
}

interface Container {
  env?: { valueFrom?: { secretKeyRef?: { name?: string }; configMapKeyRef?: { name?: string } } }[];
  envFrom?: { secretRef?: { name?: string }; configMapRef?: { name?: string } }[];
}

/** The names of one kind of object a pod uses (podutil.VisitPodSecretNames and friends). */
export function podReferences(pod: Pod, resource: string): string[] {
  const s = pod.spec ?? {};
  const containers = [...(s.containers ?? []), ...(s.initContainers ?? [])];
  const names: (string | undefined)[] = [];
  switch (resource) {
    case 'secrets':
      names.push(...(s.imagePullSecrets ?? []).map((p) => p.name));
      for (const v of s.volumes ?? []) names.push(v.secret?.secretName, ...(v.projected?.sources ?? []).map((p) => p.secret?.name));
      for (const c of containers) names.push(...(c.env ?? []).map((e) => e.valueFrom?.secretKeyRef?.name), ...(c.envFrom ?? []).map((e) => e.secretRef?.name));
      break;
    case 'configmaps':
      for (const v of s.volumes ?? []) names.push(v.configMap?.name, ...(v.projected?.sources ?? []).map((p) => p.configMap?.name));
      for (const c of containers) names.push(...(c.env ?? []).map((e) => e.valueFrom?.configMapKeyRef?.name), ...(c.envFrom ?? []).map((e) => e.configMapRef?.name));
      break;
    case 'persistentvolumeclaims':
      for (const v of s.volumes ?? []) names.push(v.persistentVolumeClaim?.claimName);
      break;
    case 'serviceaccounts':
      names.push(s.serviceAccountName || 'default');
      break;
  }
  return names.filter((n): n is string => !!n);
}

const GRAPH_RESOURCES = new Set(['secrets', 'configmaps', 'persistentvolumeclaims']);
const READ_ONE = ['get', 'list', 'watch'];

/** What a node may do to an object reached through its pods: read a secret or configmap (a
 *  list or watch of it by name too, as the kubelet's watch-based managers do), get a claim,
 *  ask a ServiceAccount's token. */
function graphVerbProblem(a: Attributes): string | undefined {
  if (a.resource === 'serviceaccounts') return a.verb === 'create' ? undefined : 'can only create tokens for individual service accounts';
  if (a.resource === 'persistentvolumeclaims') return a.verb === 'get' && !a.subresource ? undefined : 'can only get individual resources of this type';
  if (!READ_ONE.includes(a.verb)) return 'can only read resources of this type';
  if (a.subresource) return 'cannot read subresource';
  if (!a.namespace) return 'can only read namespaced object of this type';
  return a.name ? undefined : 'No Object name found';
}
const NO_OPINION = (reason = ''): Decision => ({ allowed: false, reason });

/** Whether a pod bound to `node` references the object (NodeGraph.related). */
export type Related = (node: string, resource: string, namespace: string, name: string) => boolean;

export class NodeAuthorizer {
  constructor(private readonly related: Related) {}

  async authorize(a: Attributes): Promise<Decision> {
    const node = nodeIdentity(a.user);
    if (node === undefined) return NO_OPINION();
    if (node === '') return NO_OPINION('unknown node');
    if (a.isResource && a.apiGroup === '' && (GRAPH_RESOURCES.has(a.resource!) || (a.resource === 'serviceaccounts' && a.subresource === 'token'))) {
      const problem = graphVerbProblem(a);
      if (problem) return NO_OPINION(problem);
      return this.related(node, a.resource!, a.namespace ?? '', a.name!) ? { allowed: true, reason: '' } : NO_OPINION(`no relationship found between node '${node}' and this object`);
    }
    if (a.isResource && a.apiGroup === 'coordination.k8s.io' && a.resource === 'leases') return this.lease(node, a);
    return NODE_RULES.some((r) => ruleAllows(r, a)) ? { allowed: true, reason: '' } : NO_OPINION();
  }

  private lease(node: string, a: Attributes): Decision {
    if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb) || a.subresource) return NO_OPINION('can only get, create, update, patch, or delete a node lease');
    if (a.namespace !== NODE_LEASE_NAMESPACE) return NO_OPINION(`can only access leases in the ${NODE_LEASE_NAMESPACE} namespace`);
    if (a.verb !== 'create' && a.name !== node) return NO_OPINION('can only access node lease with the same name as the requesting node');
    return { allowed: true, reason: '' };
  }
}
