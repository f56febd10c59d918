// Authorization cost per request: the RBAC authorizer with bindings indexed by subject (ours)
// next to the same decisions made by scanning every binding (kube-apiserver's rule resolver
// lists all ClusterRoleBindings and the namespace's RoleBindings per request), in the same run,
// over a policy of many users, namespaces and bindings on an in-memory store. Then the Node
// authorizer's reads of Secrets with its index (NodeGraph) next to listing the node's pods.
//
//   npx tsx bench/authz.ts [--namespaces 200] [--users 2000] [--cluster-bindings 1000] [--requests 200000]
//                          [--pods 1000] [--nodes 10]

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
import { NodeAuthorizer, podReferences } from '../src/api/auth/node-authorizer.js';
import { NodeGraph } from '../src/api/auth/node-graph.js';

const { values } = parseArgs({
  options: {
    namespaces: { type: 'string', default: '200' },
    users: { type: 'string', default: '2000' },
    'cluster-bindings': { type: 'string', default: '1000' },
    requests: { type: 'string', default: '200000' },
    pods: { type: 'string', default: '1000' },
    nodes: { type: 'string', default: '10' },
  },
});
const NS = Number(values.namespaces);
const USERS = Number(values.users);
const REQUESTS = Number(values.requests);
const CLUSTER_BINDINGS = Number(values['cluster-bindings']);
const PODS = Number(values.pods);
const NODES = Number(values.nodes);

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

// The Node authorizer: a node reading a Secret, allowed only when one of its pods references
// it. Ours looks it up in the index the store's watch keeps (NodeGraph); before it, each such
// read listed the node's pods (the peer, measured here on the same pods).
const podsR = rest.registry.lookup('', 'v1', 'pods')!;
for (let i = 0; i < PODS; i++) {
  await rest.create(podsR, `ns${i % NS}`, {
    metadata: { name: `p${i}` },
    spec: { nodeName: `n${i % NODES}`, containers: [{ name: 'c', image: 'nginx', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: `s${i}`, key: 'k' } } }] }] },
  });
}
const graph = new NodeGraph(store);
await graph.start();
const byGraph = new NodeAuthorizer((...edge) => graph.related(...edge));
const byListing = new NodeAuthorizer(() => false);
const listed = async (a: Attributes): Promise<boolean> => {
  const node = a.user.username.slice('system:node:'.length);
  const { items } = await rest.list(podsR, undefined, { fieldSelector: `spec.nodeName=${node}` });
  return items.some((p) => p.metadata.namespace === a.namespace && podReferences(p, 'secrets').includes(a.name!));
};
const nodeRequests: Attributes[] = Array.from({ length: 1000 }, (_, i) => {
  const pod = (i * 7919) % PODS;
  // Half ask for a Secret of their own pod, half for another node's.
  const node = i % 2 ? pod % NODES : (pod + 1) % NODES;
  return { user: { username: `system:node:n${node}`, groups: ['system:nodes'] }, verb: 'get', isResource: true, apiGroup: '', resource: 'secrets', name: `s${pod}`, namespace: `ns${pod % NS}` };
});
for (const a of nodeRequests) if ((await byGraph.authorize(a)).allowed !== (await listed(a))) throw new Error(`the Node authorizers disagree on ${JSON.stringify(a)}`);
async function asyncRate(n: number, decide: (a: Attributes) => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await decide(nodeRequests[i % nodeRequests.length]!);
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}
const graphRate = await asyncRate(REQUESTS, (a) => byGraph.authorize(a));
// The peer lists up to a hundred pods per decision: fewer decisions keep the run short.
const listRate = await asyncRate(Math.max(1, Math.round(REQUESTS / 100)), async (a) => (await byListing.authorize(a)).allowed || (await listed(a)));
console.log(`Node authorizer: ${PODS} pods on ${NODES} nodes, each pod referencing its own Secret; half the reads related`);
console.log(`indexed by the store's watch (NodeGraph) : ${Math.round(graphRate).toLocaleString('en')} decisions/s`);
console.log(`the node's pods listed per read (before) : ${Math.round(listRate).toLocaleString('en')} decisions/s`);
console.log(`ratio indexed/listed                     : ${(graphRate / listRate).toFixed(0)}x`);
graph.stop();
policy.stop();
await store.close();
