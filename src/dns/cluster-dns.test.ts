import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi, type TestApi } from '../../test/support/api.js';
import { R } from '../client/client.js';
import type { KubeObject } from '../apis/types.js';
import { applyClusterDns } from './cluster-dns.js';
import { RBAC_RESOURCES } from './coredns-rbac.js';

const SPEC = { clusterIPs: ['10.96.0.10'], replicas: 2, clusterDomain: 'cluster.local', server: 'unix:///data/api.sock' };
const SA_SUBJECT = { kind: 'ServiceAccount', name: 'coredns', namespace: 'kube-system' };

describe('applyClusterDns: CoreDNS as its own ServiceAccount', () => {
  let api: TestApi;
  before(async () => (api = await startTestApi({ serviceCIDR: '10.96.0.0/12' })));
  after(() => api.close());

  it('is not in the bootstrap policy: the addon brings its ServiceAccount, role and binding, and its pods use them', async () => {
    const client = api.client();
    await assert.rejects(client.get(RBAC_RESOURCES.clusterRoles, undefined, 'system:coredns'), { code: 404 });
    await applyClusterDns(client, SPEC);
    await client.get(R.serviceAccounts, 'kube-system', 'coredns');
    const role = await client.get<KubeObject>(RBAC_RESOURCES.clusterRoles, undefined, 'system:coredns');
    assert.deepEqual(role.rules, [
      { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
    ]);
    const binding = await client.get<KubeObject>(RBAC_RESOURCES.clusterRoleBindings, undefined, 'system:coredns');
    assert.deepEqual(binding.subjects, [SA_SUBJECT]);
    const pod = (await client.get<KubeObject>(R.deployments, 'kube-system', 'coredns')).spec.template.spec;
    assert.equal(pod.serviceAccountName, 'coredns');
    const env = Object.fromEntries((pod.containers[0].env as { name: string; value?: string }[]).map((e) => [e.name, e.value]));
    assert.equal(env.TINYKUBE_TOKEN_FILE, '/var/run/secrets/kubernetes.io/serviceaccount/token');
    assert.equal(env.TINYKUBE_CA_FILE, '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt');
  });

  it("takes group system:nodes off a binding an older version's bootstrap policy made", async () => {
    const client = api.client();
    await client.update(RBAC_RESOURCES.clusterRoleBindings, undefined, {
      ...(await client.get(RBAC_RESOURCES.clusterRoleBindings, undefined, 'system:coredns')),
      subjects: [SA_SUBJECT, { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:nodes' }],
    });
    await applyClusterDns(client, SPEC);
    const binding = await client.get<KubeObject>(RBAC_RESOURCES.clusterRoleBindings, undefined, 'system:coredns');
    assert.deepEqual(binding.subjects, [SA_SUBJECT]);
  });
});
