// Authorization as a user of kubectl sees it: RBAC objects made with `kubectl create`, the
// default roles (view, edit, admin), escalation refused, `kubectl auth can-i` (with --list and
// --as), a node identity (by impersonation) kept to its own node, a pod's ServiceAccount token
// refused until bound (also through @kubernetes/client-node), and malformed impersonation headers
// or odd names each answered with a 4xx that changes nothing.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import * as k8s from '@kubernetes/client-node';
import { Tinykube, eventually, rows } from './harness.js';

describe('authorization: RBAC, impersonation, the Node authorizer', { timeout: 240_000 }, () => {
  let t: Tinykube;
  let node: string;
  let pod: string;
  before(async () => {
    t = await Tinykube.start();
    node = t.k('get nodes -o jsonpath={.items[0].metadata.name}');
    t.k('create namespace team');
    t.k('-n team create deployment web --image=nginx');
    pod = await eventually(() => t.k('-n team get pods -o jsonpath={.items[0].metadata.name}'), 30_000, 'a pod');
    await eventually(() => t.k(`-n team get pod ${pod} -o jsonpath={.spec.nodeName}`) === node, 30_000, 'the pod to be bound');
    t.k('-n team create rolebinding jane-view --clusterrole=view --user=jane');
    t.k('-n team create rolebinding bob-edit --clusterrole=edit --user=bob');
    t.k('-n team create rolebinding ann-admin --clusterrole=admin --user=ann');
  });
  after(async () => {
    await t?.destroy();
  });

  /** A raw request with the admin token (and whatever impersonation headers); its status code. */
  const call = (method: string, path: string, headers: Record<string, string>, body: object): Promise<number> => {
    const server = t.k(['config', 'view', '--raw', '-o', 'jsonpath={.clusters[0].cluster.server}']);
    const token = t.k(['config', 'view', '--raw', '-o', 'jsonpath={.users[0].user.token}']);
    return new Promise((resolve, reject) => {
      const type = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
      const req = https.request(`${server}${path}`, { method, rejectUnauthorized: false, headers: { Authorization: `Bearer ${token}`, 'Content-Type': type, ...headers } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  };

  it('kubectl create role/clusterrole/rolebinding/clusterrolebinding; get prints their columns', () => {
    assert.equal(t.k('-n team create role pod-reader --verb=get,list --resource=pods,pods/log').trim(), 'role.rbac.authorization.k8s.io/pod-reader created');
    assert.equal(t.k('create clusterrole node-reader --verb=get --resource=nodes').trim(), 'clusterrole.rbac.authorization.k8s.io/node-reader created');
    t.k('-n team create rolebinding read-pods --role=pod-reader --user=carol --group=readers --serviceaccount=team:robot');
    t.k('create clusterrolebinding read-nodes --clusterrole=node-reader --user=carol');
    const wide = t.k('-n team get rolebindings -o wide');
    assert.match(wide, /^NAME\s+ROLE\s+AGE\s+USERS\s+GROUPS\s+SERVICEACCOUNTS$/m);
    const table = rows(wide);
    const read = table.find((r) => r[0] === 'read-pods')!;
    assert.deepEqual([read[1], read[3], read[4], read[5]], ['Role/pod-reader', 'carol', 'readers', 'team/robot']);
    assert.match(t.k('get clusterroles node-reader'), /^NAME\s+CREATED AT\nnode-reader\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
    assert.equal(t.k('auth can-i get pods/log -n team --as=carol').trim(), 'yes');
    assert.equal(t.k('auth can-i get nodes --as=carol').trim(), 'yes');
    const bad = t.kubectl('-n team create rolebinding broken --role=pod-reader --user=');
    assert.notEqual(bad.code, 0);
  });

  it('the default roles: view cannot delete, edit cannot create RoleBindings', () => {
    assert.match(t.k('-n team get deploy --as=jane'), /^web\s/m);
    const del = t.kubectl('-n team delete deployment web --as=jane');
    assert.equal(del.stderr.trim(), 'Error from server (Forbidden): deployments.apps "web" is forbidden: User "jane" cannot delete resource "deployments" in API group "apps" in the namespace "team"');
    assert.equal(t.k('-n team scale deployment web --replicas=1 --as=bob').trim(), 'deployment.apps/web scaled');
    const rb = t.kubectl('-n team create rolebinding sneaky --clusterrole=view --user=mallory --as=bob');
    assert.match(rb.stderr, /rolebindings\.rbac\.authorization\.k8s\.io is forbidden: User "bob" cannot create resource "rolebindings" in API group "rbac\.authorization\.k8s\.io" in the namespace "team"/);
    assert.ok(t.k('-n team get deploy web -o name').includes('web'));
  });

  it('escalation is refused: a namespace admin cannot grant what it does not hold', () => {
    const before = t.k('-n team get rolebindings,roles -o name');
    const bind = t.kubectl('-n team create rolebinding root --clusterrole=cluster-admin --user=ann --as=ann');
    assert.equal(
      bind.stderr.trim(),
      'error: failed to create rolebinding: rolebindings.rbac.authorization.k8s.io "root" is forbidden: user "ann" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}',
    );
    const role = t.kubectl('-n team create role secrets-everywhere --verb=get --resource=nodes --as=ann');
    assert.match(role.stderr, /is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\[""\], Resources:\["nodes"\], Verbs:\["get"\]\}/);
    // What ann holds she may grant, and `bind` lets her bind what she does not hold.
    t.k('-n team create rolebinding dave-view --clusterrole=view --user=dave --as=ann');
    t.k(['create', 'clusterrole', 'bind-admin', '--verb=bind', '--resource=clusterroles', '--resource-name=cluster-admin']);
    t.k('-n team create rolebinding ann-bind --clusterrole=bind-admin --user=ann');
    t.k('-n team create rolebinding root --clusterrole=cluster-admin --user=erin --as=ann');
    const after = t.k('-n team get rolebindings,roles -o name');
    assert.deepEqual(after.split('\n').filter((l) => !before.includes(l)).sort(), ['rolebinding.rbac.authorization.k8s.io/ann-bind', 'rolebinding.rbac.authorization.k8s.io/dave-view', 'rolebinding.rbac.authorization.k8s.io/root']);
  });

  it('kubectl auth can-i answers for the caller, --as, --as-group and --list', () => {
    assert.equal(t.k('auth can-i create pods').trim(), 'yes');
    const no = t.kubectl('auth can-i create pods -n team --as=jane');
    assert.deepEqual([no.code, no.stdout.trim()], [1, 'no']);
    assert.equal(t.k('auth can-i list pods -n team --as=jane').trim(), 'yes');
    assert.equal(t.kubectl('auth can-i list pods -n default --as=jane').stdout.trim(), 'no');
    assert.equal(t.k('auth can-i delete nodes --as=nobody --as-group=system:masters').trim(), 'yes');
    const list = t.k('auth can-i --list -n team --as=jane');
    assert.match(list, /^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/m);
    const verbs = (resource: string): string | undefined => new RegExp(`^${resource.replace(/\./g, '\\.')}\\s+\\[\\]\\s+\\[\\]\\s+(\\[.*\\])$`, 'm').exec(list)?.[1];
    assert.equal(verbs('deployments.apps'), '[get list watch]');
    assert.equal(verbs('selfsubjectaccessreviews.authorization.k8s.io'), '[create]');
    assert.equal(verbs('secrets'), undefined);
    assert.match(t.k('auth whoami --as=jane --as-group=devs'), /^Groups\s+\[devs system:authenticated\]$/m);
  });

  it('a node (impersonated) cannot change another node, its pods or any Service; its own node it may', async () => {
    const other = ['--as=system:node:other', '--as-group=system:nodes'];
    const self = [`--as=system:node:${node}`, '--as-group=system:nodes'];
    const del = t.kubectl(['-n', 'team', 'delete', 'pod', pod, ...other]);
    assert.equal(del.stderr.trim(), `Error from server (Forbidden): pods "${pod}" is forbidden: node "other" can only delete pods with spec.nodeName set to itself`);
    // kubectl patch would GET pods/status first, which kubelets may not: PATCH as a kubelet does.
    const patchStatus = (name: string) =>
      call('PATCH', `/api/v1/namespaces/team/pods/${pod}/status`, { 'Impersonate-User': `system:node:${name}`, 'Impersonate-Group': 'system:nodes' }, { status: { message: `from ${name}` } });
    assert.equal(await patchStatus('other'), 403);
    assert.equal(await patchStatus(node), 200);
    const label = t.kubectl(['label', 'node', node, 'owner=other', ...other]);
    assert.equal(label.stderr.trim(), `Error from server (Forbidden): nodes "${node}" is forbidden: node "other" is not allowed to modify node "${node}"`);
    for (const who of [other, self]) {
      const svc = t.kubectl(['delete', 'service', 'kubernetes', ...who]);
      assert.match(svc.stderr, /services "kubernetes" is forbidden: User "system:node:[a-z0-9-]+" cannot delete resource "services" in API group "" in the namespace "default"/);
      assert.match(t.kubectl(['-n', 'team', 'create', 'service', 'clusterip', 'sneaky', '--tcp=80', ...who]).stderr, /cannot create resource "services"/);
    }
    assert.equal(t.k(['label', 'node', node, 'checked=yes', ...self]).trim(), `node/${node} labeled`);
    assert.equal(t.k(['-n', 'team', 'get', 'pod', pod, '-o', 'name', ...self]).trim(), `pod/${pod}`);
    assert.equal(t.k(['-n', 'team', 'get', 'pod', pod, '-o', 'jsonpath={.status.phase}']).length > 0, true);
    assert.equal(t.k('get service kubernetes -o name').trim(), 'service/kubernetes');
  });

  it("a pod's ServiceAccount token gets 403 until it is bound (kubectl and @kubernetes/client-node)", async () => {
    const token = t.k(['-n', 'team', 'create', 'token', 'default', '--bound-object-kind=Pod', `--bound-object-name=${pod}`]).trim();
    const asPod = ['--kubeconfig', t.tokenKubeconfig(token), '-n', 'team'];
    const refused = t.kubectl(['get', 'pods', ...asPod]);
    assert.equal(refused.stderr.trim(), 'Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:team:default" cannot list resource "pods" in API group "" in the namespace "team"');
    assert.equal(t.kubectl(['get', 'configmaps', ...asPod]).code, 1);
    assert.equal(t.k(['auth', 'can-i', 'create', 'selfsubjectaccessreviews.authorization.k8s.io', '--kubeconfig', t.tokenKubeconfig(token)]).trim(), 'yes');
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(t.kubeconfig);
    const cluster = kc.getCurrentCluster()!;
    const asSa = new k8s.KubeConfig();
    asSa.loadFromOptions({
      clusters: [cluster],
      users: [{ name: 'sa', token }],
      contexts: [{ name: 'sa', cluster: cluster.name, user: 'sa' }],
      currentContext: 'sa',
    });
    const core = asSa.makeApiClient(k8s.CoreV1Api);
    await assert.rejects(core.listNamespacedPod({ namespace: 'team' }), (e: { code?: number }) => e.code === 403);

    t.k('-n team create rolebinding default-view --clusterrole=view --serviceaccount=team:default');
    await eventually(async () => (await core.listNamespacedPod({ namespace: 'team' })).items.some((p) => p.metadata?.name === pod), 10_000, 'the binding to apply');
    assert.match(t.k(['get', 'pods', ...asPod]), new RegExp(`^${pod}\\s`, 'm'));
    assert.match(t.kubectl(['delete', 'pod', pod, ...asPod]).stderr, /cannot delete resource "pods"/);
  });

  it('malformed impersonation headers and odd names: each a 4xx, nothing changes', async () => {
    const cm = (name: string) => ({ metadata: { name }, data: { a: 'b' } });
    const utf8 = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');
    const huge = 'x'.repeat(20_000);
    const cases: [string, string, Record<string, string>, object, number][] = [
      ['a group without a user', '/api/v1/namespaces/team/configmaps', { 'Impersonate-Group': 'system:masters' }, cm('a'), 400],
      ['an extra without a user', '/api/v1/namespaces/team/configmaps', { 'Impersonate-Extra-scopes': 'all' }, cm('b'), 400],
      ['a uid without a user', '/api/v1/namespaces/team/configmaps', { 'Impersonate-Uid': '1234' }, cm('c'), 400],
      ['an extra key badly escaped', '/api/v1/namespaces/team/configmaps', { 'Impersonate-User': 'jane', 'Impersonate-Extra-%zz': 'x' }, cm('d'), 400],
      ['a unicode user', '/api/v1/namespaces/team/configmaps', { 'Impersonate-User': utf8('jäne-日本') }, cm('e'), 403],
      ['a unicode group joining system:masters', '/api/v1/namespaces/team/configmaps', { 'Impersonate-User': 'jane', 'Impersonate-Group': utf8('système:masters') }, cm('f'), 403],
      ['a huge user name', '/api/v1/namespaces/team/configmaps', { 'Impersonate-User': 'u'.repeat(8_000) }, cm('g'), 403],
      ['headers beyond the limit', '/api/v1/namespaces/team/configmaps', { 'Impersonate-User': huge }, cm('h'), 431],
      ['a ServiceAccount name without its name', '/api/v1/namespaces/team/configmaps', { 'Impersonate-User': 'system:serviceaccount:team:' }, cm('i'), 403],
      ['a unicode object name', '/api/v1/namespaces/team/configmaps', {}, cm('ü'), 422],
      ['a huge object name', '/api/v1/namespaces/team/configmaps', {}, cm('n'.repeat(5_000)), 422],
      ['a unicode Role name with a slash', '/apis/rbac.authorization.k8s.io/v1/namespaces/team/roles', {}, { metadata: { name: 'ü/x' }, rules: [] }, 422],
      ['a review without a user', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {}, { spec: { resourceAttributes: { verb: 'get', resource: 'pods' } } }, 422],
    ];
    const before = t.k('-n team get configmaps,roles,rolebindings -o name');
    for (const [name, path, headers, body, code] of cases) assert.equal(await call('POST', path, headers, body), code, name);
    assert.equal(t.k('-n team get configmaps,roles,rolebindings -o name'), before);
  });
});
