// Who a request is: the admin kubeconfig's client certificate (system:admin in system:masters)
// for kubectl and @kubernetes/client-node, a certificate of another CA refused with 401, a user
// certificate's CN and O read as user and groups, and the admin token still accepted. The audit
// log says whom the server saw.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import * as k8s from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import { Tinykube } from './harness.js';
import { createCa, issueClientCert } from '../../src/api/tls.js';

const POLICY = 'apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n  - level: Metadata\n    resources: [{ group: "", resources: [namespaces] }]\n  - level: None\n';

interface Kubeconfig {
  users: { user: Record<string, string> }[];
}

describe('identities', () => {
  let t: Tinykube;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tinykube-identity-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    t = await Tinykube.start(['--disable', 'node,proxy,dns', '--audit-policy-file', join(dir, 'policy.yaml'), '--audit-log-path', join(dir, 'audit.log')]);
  });
  after(async () => {
    await t?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A copy of the admin kubeconfig whose user is `user` (and nothing else). */
  const kubeconfigWith = (name: string, user: Record<string, string>): string => {
    const kc = parse(readFileSync(t.kubeconfig, 'utf8'));
    kc.users[0].user = user;
    const path = join(dir, name);
    writeFileSync(path, stringify(kc), { mode: 0o600 });
    return path;
  };
  const kubectlAs = (kubeconfig: string, args: string[]) => spawnSync('kubectl', ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8' });
  /** The user of the last audited namespaces request that selected `who=marker`. */
  const seenAs = (marker: string) => {
    const lines = readFileSync(join(dir, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    return lines.filter((e) => e.requestURI.includes(`labelSelector=who%3D${marker}`)).at(-1)?.user;
  };
  const b64 = (s: string) => Buffer.from(s).toString('base64');

  it('kubectl and client-node work with the admin certificate alone: system:admin in system:masters', async () => {
    const admin = (parse(readFileSync(t.kubeconfig, 'utf8')) as Kubeconfig).users[0]!.user;
    assert.ok(admin['client-certificate-data'] && admin['client-key-data'], 'the kubeconfig carries a client certificate');
    const certOnly = kubeconfigWith('cert-only', { 'client-certificate-data': admin['client-certificate-data']!, 'client-key-data': admin['client-key-data']! });
    const r = kubectlAs(certOnly, ['get', 'namespaces', '-l', 'who=cert']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /No resources found/);
    assert.deepEqual(seenAs('cert'), { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] });

    const kc = new k8s.KubeConfig();
    kc.loadFromFile(certOnly);
    const list = await kc.makeApiClient(k8s.CoreV1Api).listNamespace();
    assert.ok(list.items.some((n) => n.metadata?.name === 'kube-system'));
  });

  it('reads a user certificate of the cluster CA as its CN and O', async () => {
    const ca = { cert: readFileSync(join(t.dataDir, 'tls', 'ca.crt'), 'utf8'), key: readFileSync(join(t.dataDir, 'tls', 'ca.key'), 'utf8') };
    const jane = await issueClientCert(ca, 'jane', ['some-group', 'other-group']);
    const r = kubectlAs(kubeconfigWith('jane', { 'client-certificate-data': b64(jane.cert), 'client-key-data': b64(jane.key) }), ['auth', 'whoami', '-o', 'json']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).status.userInfo, { username: 'jane', groups: ['some-group', 'other-group', 'system:authenticated'] });
  });

  it('refuses a certificate signed by another CA with 401, and still takes the admin token', async () => {
    const other = await createCa();
    const mallory = await issueClientCert(other, 'system:admin', ['system:masters']);
    const refused = kubectlAs(kubeconfigWith('mallory', { 'client-certificate-data': b64(mallory.cert), 'client-key-data': b64(mallory.key) }), ['get', 'namespaces']);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /error: You must be logged in to the server/);

    const token = readFileSync(join(t.dataDir, 'token'), 'utf8').trim();
    const r = kubectlAs(kubeconfigWith('token', { token }), ['get', 'namespaces', '-l', 'who=token']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(seenAs('token')?.username, 'system:admin');
  });

  it('takes a kubeadm bootstrap token from its Secret in kube-system', () => {
    t.k(['create', 'secret', 'generic', 'bootstrap-token-abcdef', '-n', 'kube-system', '--type', 'bootstrap.kubernetes.io/token',
      '--from-literal=token-id=abcdef', '--from-literal=token-secret=0123456789abcdef', '--from-literal=usage-bootstrap-authentication=true']);
    const ok = kubectlAs(kubeconfigWith('bootstrap', { token: 'abcdef.0123456789abcdef' }), ['auth', 'whoami', '-o', 'json']);
    assert.equal(ok.status, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout).status.userInfo, { username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:authenticated'] });
    const wrong = kubectlAs(kubeconfigWith('bootstrap-wrong', { token: 'abcdef.0123456789abcdee' }), ['get', 'namespaces']);
    assert.match(wrong.stderr, /Unauthorized/);
  });

  it('upgrades a data dir made before client certificates: its old kubeconfig and tokens still work', async () => {
    // The layout before: no admin certificate, a kubeconfig with the admin token only.
    await t.down();
    const token = readFileSync(join(t.dataDir, 'token'), 'utf8').trim();
    writeFileSync(t.kubeconfig, readFileSync(kubeconfigWith('old-kubeconfig', { token })));
    rmSync(join(t.dataDir, 'tls', 'admin.crt'));
    rmSync(join(t.dataDir, 'tls', 'admin.key'));
    await t.up();
    // The old kubeconfig, at the port this start picked (--api-port 0).
    const old = kubeconfigWith('old-kubeconfig', { token });
    const viaOld = kubectlAs(old, ['get', 'namespaces', '-l', 'who=old']);
    assert.equal(viaOld.status, 0, viaOld.stderr);
    assert.equal(seenAs('old')?.username, 'system:admin');
    const nodeToken = readFileSync(join(t.dataDir, 'node-token'), 'utf8').trim();
    // The node token joins agents: a bootstrapper now, no longer system:masters (docs/security.md).
    const asNodeToken = kubeconfigWith('node-token', { token: nodeToken });
    assert.equal(kubectlAs(asNodeToken, ['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']).stdout, 'system:bootstrap:node-token');
    assert.match(kubectlAs(asNodeToken, ['get', 'nodes']).stderr, /nodes is forbidden: User "system:bootstrap:node-token" cannot list resource "nodes" in API group "" at the cluster scope/);
    const fresh = (parse(readFileSync(t.kubeconfig, 'utf8')) as Kubeconfig).users[0]!.user;
    assert.ok(fresh['client-certificate-data'], 'the new kubeconfig has the admin certificate');
    assert.equal(fresh.token, token, 'and the same token');
  });
});
