// The default ClusterRoles and ClusterRoleBindings kube-apiserver creates
// (plugin/pkg/auth/authorizer/rbac/bootstrappolicy), trimmed to the resources this server has,
// and reconciled at every start as kube-apiserver's storage_rbac post-start hook does: missing
// objects are created; objects annotated autoupdate=true get missing rules and subjects back.

import type { PolicyRule, Role, RoleBinding, Subject } from '../../apis/rbac/types.js';
import { RBAC_GROUP } from '../../apis/rbac/types.js';
import { StatusError } from '../../util/status-errors.js';
import type { Rest } from '../rest/rest.js';
import { NODE_RULES, NODES_GROUP } from './node-authorizer.js';
import { MASTERS_GROUP } from './authorize.js';

export const AUTOUPDATE = 'rbac.authorization.kubernetes.io/autoupdate';
const BOOTSTRAP_LABELS = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
const AGGREGATE = (to: string): string => `rbac.authorization.k8s.io/aggregate-to-${to}`;

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const r = (verbs: string[], apiGroups: string[], resources: string[]): PolicyRule => ({ verbs, apiGroups, resources });
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ verbs, nonResourceURLs });

const role = (name: string, rules: PolicyRule[], extra: Partial<Role> = {}, labels: Record<string, string> = {}): Role => ({
  metadata: { name, labels: { ...BOOTSTRAP_LABELS, ...labels }, annotations: { [AUTOUPDATE]: 'true' } },
  rules,
  ...extra,
});
const aggregated = (name: string, to: string, labels: Record<string, string> = {}): Role =>
  role(name, [], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [AGGREGATE(to)]: 'true' } }] } }, labels);

const user = (name: string): Subject => ({ kind: 'User', apiGroup: RBAC_GROUP, name });
const group = (name: string): Subject => ({ kind: 'Group', apiGroup: RBAC_GROUP, name });
const serviceAccount = (namespace: string, name: string): Subject => ({ kind: 'ServiceAccount', name, namespace });
const binding = (name: string, roleName: string, subjects: Subject[]): RoleBinding => ({
  metadata: { name, labels: { ...BOOTSTRAP_LABELS }, annotations: { [AUTOUPDATE]: 'true' } },
  roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: roleName },
  subjects,
});

const CORE_WORKLOADS = ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy'];
const CORE_EDITABLE = ['configmaps', 'endpoints', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale', 'secrets', 'serviceaccounts', 'services', 'services/proxy'];
const APPS = ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale'];
const VIEWABLE_CORE = ['configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status', 'bindings', 'events', 'limitranges', 'namespaces/status', 'pods/log', 'pods/status', 'replicationcontrollers/status', 'resourcequotas', 'resourcequotas/status'];

export const BOOTSTRAP_CLUSTER_ROLES: Role[] = [
  role('cluster-admin', [r(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
  aggregated('admin', 'admin'),
  aggregated('edit', 'edit', { [AGGREGATE('admin')]: 'true' }),
  aggregated('view', 'view', { [AGGREGATE('edit')]: 'true' }),
  role('system:aggregate-to-admin', [
    r(WRITE.concat(READ), [RBAC_GROUP], ['rolebindings', 'roles']),
    r(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
  ], {}, { [AGGREGATE('admin')]: 'true' }),
  role('system:aggregate-to-edit', [
    r(['impersonate'], [''], ['serviceaccounts']),
    r(WRITE, [''], CORE_WORKLOADS),
    r(['create'], [''], ['pods/eviction']),
    r(WRITE, [''], CORE_EDITABLE),
    r(['create'], [''], ['serviceaccounts/token']),
    r(WRITE, ['apps'], APPS),
    r(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
    r(WRITE, ['batch'], ['cronjobs', 'jobs']),
    r(WRITE, ['networking.k8s.io'], ['ingresses', 'networkpolicies']),
    r(WRITE, ['policy'], ['poddisruptionbudgets']),
    r(WRITE, ['discovery.k8s.io'], ['endpointslices']),
    r(WRITE, ['coordination.k8s.io'], ['leases']),
  ], {}, { [AGGREGATE('edit')]: 'true' }),
  role('system:aggregate-to-view', [
    r(READ, [''], VIEWABLE_CORE),
    r(READ, [''], ['namespaces']),
    r(READ, ['discovery.k8s.io'], ['endpointslices']),
    r(READ, ['apps'], [...APPS, 'controllerrevisions', 'daemonsets/status', 'deployments/status', 'replicasets/status', 'statefulsets/status']),
    r(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
    r(READ, ['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
    r(READ, ['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies']),
    r(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
    r(READ, ['metrics.k8s.io'], ['pods', 'nodes']),
  ], {}, { [AGGREGATE('view')]: 'true' }),
  role('system:basic-user', [
    r(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
    r(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
  ]),
  role('system:discovery', [urls(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'])]),
  role('system:public-info-viewer', [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])]),
  role('system:monitoring', [urls(['get'], ['/healthz', '/healthz/*', '/livez', '/livez/*', '/metrics', '/metrics/slis', '/readyz', '/readyz/*'])]),
  role('system:auth-delegator', [r(['create'], ['authentication.k8s.io'], ['tokenreviews']), r(['create'], ['authorization.k8s.io'], ['subjectaccessreviews'])]),
  role('system:node', NODE_RULES),
  role('system:node-proxier', [
    r(['list', 'watch'], [''], ['services', 'endpoints']),
    r(READ, [''], ['nodes']),
    r(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
    r(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
  ]),
  role('system:kube-dns', [r(['list', 'watch'], [''], ['endpoints', 'services'])]),
  role('system:kube-scheduler', [
    r(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
    r(['create'], ['coordination.k8s.io'], ['leases']),
    r(['get', 'update'], ['coordination.k8s.io'], ['leases']),
    r(READ, [''], ['nodes', 'namespaces', 'persistentvolumeclaims', 'persistentvolumes', 'replicationcontrollers', 'services']),
    r(['delete', 'get', 'list', 'watch'], [''], ['pods']),
    r(['create'], [''], ['bindings', 'pods/binding']),
    r(['patch', 'update'], [''], ['pods/status']),
    r(READ, ['apps'], ['replicasets', 'statefulsets']),
    r(READ, ['storage.k8s.io'], ['storageclasses', 'csinodes', 'csidrivers', 'csistoragecapacities']),
  ]),
  role('system:kube-controller-manager', [
    r(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
    r(['create'], ['coordination.k8s.io'], ['leases']),
    r(['get', 'update'], ['coordination.k8s.io'], ['leases']),
    r(['create'], [''], ['secrets', 'serviceaccounts']),
    r(['delete'], [''], ['secrets']),
    r(['get'], [''], ['configmaps', 'namespaces', 'secrets', 'serviceaccounts']),
    r(['update'], [''], ['secrets', 'serviceaccounts']),
    r(['create'], ['authentication.k8s.io'], ['tokenreviews']),
    r(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
    r(['list', 'watch'], ['*'], ['*']),
    r(['create'], [''], ['serviceaccounts/token']),
  ]),
  role('system:node-bootstrapper', [r(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests'])]),
  role('system:certificates.k8s.io:certificatesigningrequests:nodeclient', [r(['create'], ['certificates.k8s.io'], ['certificatesigningrequests/nodeclient'])]),
  // tinykube's path for a kubelet serving certificate (src/api/http/kubelet-certificates.ts;
  // upstream a kubernetes.io/kubelet-serving CSR): nodes ask it for their own name, bootstrappers
  // (who may become any node) for any.
  role('system:tinykube:kubelet-serving-certificate', [urls(['post'], ['/tinykube/v1/kubelet-serving-certificate'])]),
  role('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [r(['create'], ['certificates.k8s.io'], ['certificatesigningrequests/selfnodeclient'])]),
];

export const BOOTSTRAP_CLUSTER_ROLE_BINDINGS: RoleBinding[] = [
  binding('cluster-admin', 'cluster-admin', [group(MASTERS_GROUP)]),
  binding('system:basic-user', 'system:basic-user', [group('system:authenticated')]),
  binding('system:discovery', 'system:discovery', [group('system:authenticated')]),
  binding('system:public-info-viewer', 'system:public-info-viewer', [group('system:authenticated'), group('system:unauthenticated')]),
  binding('system:monitoring', 'system:monitoring', [group('system:monitoring')]),
  binding('system:kube-controller-manager', 'system:kube-controller-manager', [user('system:kube-controller-manager')]),
  binding('system:kube-scheduler', 'system:kube-scheduler', [user('system:kube-scheduler')]),
  binding('system:kube-dns', 'system:kube-dns', [serviceAccount('kube-system', 'kube-dns')]),
  // tinykube's agents run kube-proxy in the node's own process, with the node's identity: group
  // system:nodes holds what kube-proxy holds upstream. (CoreDNS's role and binding come with its
  // pods: src/dns/coredns-rbac.ts.)
  binding('system:node-proxier', 'system:node-proxier', [user('system:kube-proxy'), group(NODES_GROUP)]),
  binding('system:node', 'system:node', []),
  // kubeadm's bindings for nodes that join (`kubeadm init` creates them): bootstrap tokens may
  // ask for node client certificates, which are approved at once, and nodes renew their own.
  binding('system:tinykube:kubelet-serving-certificate', 'system:tinykube:kubelet-serving-certificate', [group(NODES_GROUP), group('system:bootstrappers')]),
  binding('kubeadm:kubelet-bootstrap', 'system:node-bootstrapper', [group('system:bootstrappers')]),
  binding('kubeadm:node-autoapprove-bootstrap', 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', [group('system:bootstrappers')]),
  binding('kubeadm:node-autoapprove-certificate-rotation', 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [group(NODES_GROUP)]),
];

type ResourceOf = Parameters<Rest['get']>[0];

async function reconcileOne(rest: Rest, r: ResourceOf, want: Role & RoleBinding, merge: (have: Role & RoleBinding) => boolean): Promise<void> {
  const name = want.metadata.name!;
  let have: Role & RoleBinding;
  try {
    have = (await rest.get(r, undefined, name)) as Role & RoleBinding;
  } catch (e) {
    if (!(e instanceof StatusError && e.code === 404)) throw e;
    await rest.create(r, undefined, want, { fieldManager: 'kube-apiserver' }).catch((err: unknown) => {
      if (!(err instanceof StatusError && err.code === 409)) throw err;
    });
    return;
  }
  if (have.metadata.annotations?.[AUTOUPDATE] === 'false') return;
  // Another server reconciling at the same time wins the race; its result is the same.
  if (merge(have))
    await rest.update(r, undefined, name, have, { fieldManager: 'kube-apiserver' }).catch((err: unknown) => {
      if (!(err instanceof StatusError && err.code === 409)) throw err;
    });
}

const key = (x: unknown): string => JSON.stringify(x);

/** Creates the default roles and bindings, and puts back what was taken from autoupdated ones. */
export async function reconcileBootstrapPolicy(rest: Rest): Promise<void> {
  const roles = rest.registry.lookup(RBAC_GROUP, 'v1', 'clusterroles')!;
  const bindings = rest.registry.lookup(RBAC_GROUP, 'v1', 'clusterrolebindings')!;
  for (const want of BOOTSTRAP_CLUSTER_ROLES) {
    await reconcileOne(rest, roles, want as Role & RoleBinding, (have) => {
      let changed = false;
      if (want.aggregationRule && key(have.aggregationRule) !== key(want.aggregationRule)) (have.aggregationRule = want.aggregationRule), (changed = true);
      if (!want.aggregationRule) {
        const missing = (want.rules ?? []).filter((w) => !(have.rules ?? []).some((h) => key(h) === key(w)));
        if (missing.length) (have.rules = [...(have.rules ?? []), ...missing]), (changed = true);
      }
      return changed;
    });
  }
  for (const want of BOOTSTRAP_CLUSTER_ROLE_BINDINGS) {
    await reconcileOne(rest, bindings, want as Role & RoleBinding, (have) => {
      const missing = (want.subjects ?? []).filter((w) => !(have.subjects ?? []).some((h) => h.kind === w.kind && h.name === w.name && (h.namespace ?? '') === (w.namespace ?? '')));
      if (missing.length) have.subjects = [...(have.subjects ?? []), ...missing];
      return missing.length > 0;
    });
  }
}
