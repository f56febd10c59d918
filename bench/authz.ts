// Authorization cost per request: the RBAC authorizer with bindings indexed by subject (ours)
// next to the same decisions made by scanning every binding (kube-apiserver's rule resolver
// lists all ClusterRoleBindings and the namespace's RoleBindings per request), in the same run,
// over a policy of many users, namespaces and bindings on an in-memory store.
//
//   npx tsx bench/authz.ts [--namespaces 200] [--users 2000] [--cluster-bindings 1000] [--requests 200000]

import { parseArgs } from 'node:util';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { Rest } from '../src/api/rest/rest.js';
import { defaultRegistry } from '../src/api/registry.js';
import { bootstrap } from '../src/api/bootstrap.js';
import { PolicyCache } from '../src/api/auth/policy-cache.js';
import { RbacAuthorizer } from '../src/api/auth/rbac-authorizer.js';
import { ruleAllows } from '../src/api/auth/rbac-rules.js';
import type { Attributes } from '../src/api/auth/attributes.js';
import type { Role, RoleBinding } from '../src/apis/rbac/types.js';

const { values } = parseArgs({
  options: {
    namespaces: { type: 'string', default: '200' },
    users: { type: 'string', default: '2000' },
    'cluster-bindings': { type: 'string', default: '1000' },
    requests: { type: 'string', default: '200000' },
  },
});
const NS = Number(values.namespaces);
const USERS = Number(values.users);
const REQUESTS = Number(values.requests);
const CLUSTER_BINDINGS = Number(values['cluster-bindings']);

const config = { serviceCIDR: '127.96.0.0/16', nodePortRange: { min: 30000, max: 32767 }, advertiseAddress: '127.0.0.1', securePort: 6443 };
const store = await openSqliteStore(':memory:', { compactIntervalMs: 0 });
const rest = new Rest(store, defaultRegistry(), config);
await bootstrap(rest, config, { endpoints: false });
const rb = rest.registry.lookup('rbac.authorization.k8s.io', 'v1', 'rolebindings')!;
const nsR = rest.registry.lookup('', 'v1', 'namespaces')!;
for (let n = 0; n < NS; n++) await rest.create(nsR, undefined, { metadata: { name: `ns${n}` } });
for (let u = 0; u < USERS; u++) {
  const ns = `ns${u % NS}`;
  await rest.create(rb, ns, {
    metadata: { name: `u${u}` },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: u % 2 ? 'edit' : 'view' },
    subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: `user${u}` }],
  });
}
// Operators and controllers each with their own ClusterRoleBinding, as real clusters have.
const crb = rest.registry.lookup('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings')!;
for (let i = 0; i < CLUSTER_BINDINGS; i++) {
  await rest.create(crb, undefined, {
    metadata: { name: `operator${i}` },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [{ kind: 'ServiceAccount', name: `operator${i}`, namespace: `ns${i % NS}` }],
  });
}
const policy = new PolicyCache(store);
await policy.start();
const rbac = new RbacAuthorizer(policy);

// The peer: every binding in memory, scanned per request as upstream's resolver does.
const all = async (resource: string) => (await rest.list(rest.registry.lookup('rbac.authorization.k8s.io', 'v1', resource)!, undefined)).items;
const clusterBindings = (await all('clusterrolebindings')) as RoleBinding[];
const byNamespace = new Map<string, RoleBinding[]>();
for (const b of (await all('rolebindings')) as RoleBinding[]) byNamespace.set(b.metadata.namespace!, [...(byNamespace.get(b.metadata.namespace!) ?? []), b]);
const roles = new Map(((await all('clusterroles')) as Role[]).map((r) => [r.metadata.name!, r]));
const applies = (b: RoleBinding, a: Attributes): boolean =>
  (b.subjects ?? []).some(
    (s) =>
      (s.kind === 'User' && s.name === a.user.username) ||
      (s.kind === 'Group' && a.user.groups.includes(s.name)) ||
      (s.kind === 'ServiceAccount' && a.user.username === `system:serviceaccount:${s.namespace || b.metadata.namespace}:${s.name}`),
  );
function scan(a: Attributes): boolean {
  for (const b of [...clusterBindings, ...(byNamespace.get(a.namespace ?? '') ?? [])])
    if (applies(b, a) && (roles.get(b.roleRef.name)?.rules ?? []).some((r) => ruleAllows(r, a))) return true;
  return false;
}

const requests: Attributes[] = Array.from({ length: 1000 }, (_, i) => {
  const u = (i * 7919) % USERS;
  return { user: { username: `user${u}`, groups: ['system:authenticated'] }, verb: i % 3 ? 'get' : 'delete', isResource: true, apiGroup: '', resource: 'pods', name: 'p', namespace: `ns${(u + (i % 5 === 0 ? 1 : 0)) % NS}` };
});
// Both answer the same.
for (const a of requests) if (rbac.authorize(a).allowed !== scan(a)) throw new Error(`the two disagree on ${JSON.stringify(a)}`);

function rate(decide: (a: Attributes) => unknown): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < REQUESTS; i++) decide(requests[i % requests.length]!);
  return REQUESTS / (Number(process.hrtime.bigint() - start) / 1e9);
}
rate((a) => rbac.authorize(a));
const indexed = rate((a) => rbac.authorize(a));
const scanned = rate(scan);
console.log(`policy: ${NS} namespaces, ${USERS} users with one RoleBinding each, ${clusterBindings.length} ClusterRoleBindings; ${REQUESTS} decisions each`);
console.log(`RBAC, bindings indexed by subject : ${Math.round(indexed).toLocaleString('en')} decisions/s`);
console.log(`every binding scanned (upstream)  : ${Math.round(scanned).toLocaleString('en')} decisions/s`);
console.log(`ratio indexed/scanned             : ${(indexed / scanned).toFixed(1)}x`);
policy.stop();
await store.close();
