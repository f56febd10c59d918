// The Node,RBAC chain on a real (in-memory) store bootstrapped as `up` does: the default policy,
// bindings picked up from the store's watch, kube-apiserver's 403 wording.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi, type TestApi } from '../../../test/support/api.js';
import { eventually } from '../../../test/support/eventually.js';
import { StatusError } from '../../util/status-errors.js';
import { parseRequestInfo } from '../request-info.js';
import { attributesOf } from './attributes.js';
import type { UserInfo } from './authenticate.js';
import { Authorizer } from './authorize.js';
import { PolicyCache } from './policy-cache.js';
import { RbacAuthorizer } from './rbac-authorizer.js';
import { NodeAuthorizer } from './node-authorizer.js';
import { NodeGraph } from './node-graph.js';
import { AUTOUPDATE, reconcileBootstrapPolicy } from './bootstrap-policy.js';
import type { Role } from '../../apis/rbac/types.js';

const sa: UserInfo = { username: 'system:serviceaccount:default:default', groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'] };
const jane: UserInfo = { username: 'jane', groups: ['system:authenticated'] };

describe('Authorizer (Node,RBAC) on the bootstrap policy', () => {
  let api: TestApi;
  let policy: PolicyCache;
  let graph: NodeGraph;
  let authorizer: Authorizer;
  const rbac = (resource: string) => api.rest.registry.lookup('rbac.authorization.k8s.io', 'v1', resource)!;
  before(async () => {
    api = await startTestApi();
    policy = new PolicyCache(api.store);
    await policy.start();
    graph = new NodeGraph(api.store);
    await graph.start();
    authorizer = new Authorizer(new RbacAuthorizer(policy), new NodeAuthorizer((...edge) => graph.related(...edge)));
  });
  after(async () => {
    policy.stop();
    graph.stop();
    await api.close();
  });

  const check = async (user: UserInfo, method: string, path: string, query = ''): Promise<string> => {
    try {
      await authorizer.check(attributesOf(user, parseRequestInfo(method, path, new URLSearchParams(query)), method));
      return 'allowed';
    } catch (e) {
      assert.ok(e instanceof StatusError && e.code === 403);
      return e.message;
    }
  };

  const cases: [string, UserInfo, string, string, string][] = [
    ['discovery', sa, 'GET', '/apis', 'allowed'],
    ['openapi', sa, 'GET', '/openapi/v3', 'allowed'],
    ['a path nobody granted', sa, 'GET', '/metrics', 'forbidden: User "system:serviceaccount:default:default" cannot get path "/metrics"'],
    ['can-i', sa, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', 'allowed'],
    ['reads need a binding', sa, 'GET', '/api/v1/namespaces/default/services', 'services is forbidden: User "system:serviceaccount:default:default" cannot list resource "services" in API group "" in the namespace "default"'],
    ['named delete', sa, 'DELETE', '/apis/apps/v1/namespaces/default/deployments/web', 'deployments.apps "web" is forbidden: User "system:serviceaccount:default:default" cannot delete resource "deployments" in API group "apps" in the namespace "default"'],
    ['cluster scope', jane, 'PATCH', '/api/v1/nodes/n1', 'nodes "n1" is forbidden: User "jane" cannot patch resource "nodes" in API group "" at the cluster scope'],
    ['exec over GET needs create', jane, 'GET', '/api/v1/namespaces/default/pods/web/exec', 'pods "web" is forbidden: User "jane" cannot create resource "pods/exec" in API group "" in the namespace "default"'],
    ['system:masters', { username: 'system:admin', groups: ['system:masters'] }, 'DELETE', '/api/v1/nodes/n1', 'allowed'],
    ['a node reads services', { username: 'system:node:a', groups: ['system:nodes'] }, 'GET', '/api/v1/services', 'allowed'],
    ['a node, an unrelated secret', { username: 'system:node:a', groups: ['system:nodes'] }, 'GET', '/api/v1/namespaces/default/secrets/s', `secrets "s" is forbidden: User "system:node:a" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node 'a' and this object`],
    ['a node, another lease', { username: 'system:node:a', groups: ['system:nodes'] }, 'PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/b', 'leases.coordination.k8s.io "b" is forbidden: User "system:node:a" cannot update resource "leases" in API group "coordination.k8s.io" in the namespace "kube-node-lease": can only access node lease with the same name as the requesting node'],
  ];
  for (const [name, user, method, path, want] of cases) it(`${name}: ${method} ${path}`, async () => assert.equal(await check(user, method, path), want));

  it('a RoleBinding takes effect through the watch, in its namespace only, until deleted', async () => {
    await api.rest.create(rbac('rolebindings'), 'default', {
      metadata: { name: 'sa-view' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:aggregate-to-view' },
      subjects: [{ kind: 'ServiceAccount', name: 'default' }],
    });
    await eventually(async () => (await check(sa, 'GET', '/api/v1/namespaces/default/services')) === 'allowed');
    assert.match(await check(sa, 'GET', '/api/v1/namespaces/kube-system/services'), /cannot list resource "services"/);
    const d = await authorizer.authorize(attributesOf(sa, parseRequestInfo('GET', '/api/v1/namespaces/default/pods', new URLSearchParams()), 'GET'));
    assert.equal(d.reason, 'RBAC: allowed by RoleBinding "sa-view/default" of ClusterRole "system:aggregate-to-view" to ServiceAccount "default/default"');
    await api.rest.delete(rbac('rolebindings'), 'default', 'sa-view');
    await eventually(async () => (await check(sa, 'GET', '/api/v1/namespaces/default/services')) !== 'allowed');
  });

  it("a node reads what its pods reference (get, or list/watch by name) while they are bound to it; the index follows the store's watch", async () => {
    const nodeA: UserInfo = { username: 'system:node:a', groups: ['system:nodes', 'system:authenticated'] };
    const nodeB: UserInfo = { username: 'system:node:b', groups: ['system:nodes', 'system:authenticated'] };
    const pods = api.rest.registry.lookup('', 'v1', 'pods')!;
    await api.rest.create(pods, 'default', {
      metadata: { name: 'uses' },
      spec: { nodeName: 'a', containers: [{ name: 'c', image: 'nginx', envFrom: [{ secretRef: { name: 'db' } }] }], volumes: [{ name: 'v', configMap: { name: 'conf' } }] },
    });
    const secret = '/api/v1/namespaces/default/secrets/db';
    await eventually(async () => (await check(nodeA, 'GET', secret)) === 'allowed');
    assert.equal(await check(nodeA, 'GET', '/api/v1/namespaces/default/configmaps', 'fieldSelector=metadata.name%3Dconf&watch=true'), 'allowed');
    assert.match(await check(nodeA, 'GET', '/api/v1/namespaces/default/configmaps'), /cannot list resource "configmaps".*: No Object name found/);
    assert.match(await check(nodeB, 'GET', secret), /no relationship found between node 'b' and this object/);
    assert.match(await check(nodeA, 'GET', '/api/v1/namespaces/kube-system/secrets/db'), /no relationship found/);
    await api.rest.delete(pods, 'default', 'uses', { gracePeriodSeconds: 0 });
    await eventually(async () => (await check(nodeA, 'GET', secret)) !== 'allowed');
  });

  it('reconciling puts back a removed default rule, and leaves an autoupdate=false role alone', async () => {
    const roles = rbac('clusterroles');
    const basic = (await api.rest.get(roles, undefined, 'system:basic-user')) as Role;
    await api.rest.update(roles, undefined, 'system:basic-user', { ...basic, rules: [] });
    const discovery = (await api.rest.get(roles, undefined, 'system:discovery')) as Role;
    discovery.metadata.annotations = { [AUTOUPDATE]: 'false' };
    await api.rest.update(roles, undefined, 'system:discovery', { ...discovery, rules: [] });
    await reconcileBootstrapPolicy(api.rest);
    assert.equal(((await api.rest.get(roles, undefined, 'system:basic-user')) as Role).rules?.length, 2);
    assert.deepEqual(((await api.rest.get(roles, undefined, 'system:discovery')) as Role).rules, []);
  });
});
