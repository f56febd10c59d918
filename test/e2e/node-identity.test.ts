// Agents' own identities through the CertificateSigningRequest API, driven as an operator does:
// a `server`, a kubeadm-style bootstrap token (a Secret made with kubectl), and an agent that
// joins with it. Its CSR is approved and issued on its own (`kubectl get csr`), it writes its
// kubeconfig (system:node:NAME) into its data dir, and that kubeconfig is refused by kubectl
// with kube-apiserver's 403 for another node's pod, a Service and an unrelated Secret, while it
// may change its own Node; its pods get the Secrets they reference and `kubectl logs` reaches
// them. A restart re-uses the certificate. A user's CSR of the
// kube-apiserver-client signer waits for `kubectl certificate approve`, and the certificate it
// gets authenticates kubectl (`kubectl auth whoami`). SIGHUP (the terminal of an operator's
// `server` and `agent` closed) stops both cleanly: exit 0, none of their processes or sockets left.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { webcrypto } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { parse, stringify } from 'yaml';
import { acquireMachineLock, releaseMachineLock, eventually, rows } from './harness.js';
import { ProcessLedger } from '../../src/node/runtime/process-ledger.js';
import { alive, descendants, kill, startServer, startTinykube, type Proc, type Server } from '../support/processes.js';

const NODE = 'tk-id-node';
const TOKEN_ID = 'tkid01';
const TOKEN = `${TOKEN_ID}.0123456789abcdef`;
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

const BOOTSTRAP_SECRET = `apiVersion: v1
kind: Secret
metadata: { name: bootstrap-token-${TOKEN_ID}, namespace: kube-system }
type: bootstrap.kubernetes.io/token
stringData:
  token-id: ${TOKEN_ID}
  token-secret: 0123456789abcdef
  usage-bootstrap-authentication: "true"
  usage-bootstrap-signing: "true"
`;

/** A key and a PEM request for CN=user, one O per group (what `openssl req -new` makes). */
async function userRequest(user: string, groups: string[]): Promise<{ csr: string; key: string }> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: [`CN=${user}`, ...groups.map((g) => `O=${g}`)].join(', '), keys, signingAlgorithm: ALG });
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  return { csr: csr.toString('pem'), key: `-----BEGIN PRIVATE KEY-----\n${der.replace(/(.{64})/g, '$1\n').trimEnd()}\n-----END PRIVATE KEY-----\n` };
}

const csrYaml = (name: string, csrPem: string, signer: string, usages = ['client auth']): string =>
  stringify({ apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name }, spec: { request: Buffer.from(csrPem).toString('base64'), signerName: signer, usages, expirationSeconds: 3600 } });

describe('agents join with their own identity through CSRs', () => {
  let root: string;
  let server: Server;
  let agent: Proc | undefined;
  const agentDir = (): string => join(root, NODE);
  const kubectl = (args: string[], input?: string, kubeconfig = server.kubeconfig) => {
    const r = spawnSync('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(root, 'kubectl-cache'), ...args], { encoding: 'utf8', input, timeout: 30_000 });
    return { code: r.status ?? -1, out: (r.stdout ?? '') + (r.stderr ?? '') };
  };
  const k = (args: string[], input?: string): string => {
    const r = kubectl(args, input);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.out}`);
    return r.out;
  };
  const startAgent = (): Proc =>
    startTinykube(['agent', '--server', server.url, '--token', TOKEN, '--ca-file', join(server.dir, 'tls', 'ca.crt'), '--data-dir', agentDir(), '--node-name', NODE, '--kubelet-port', '0', '--disable', 'proxy']);
  const nodeReady = (): boolean => kubectl(['get', 'node', NODE, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']).out === 'True';
  const csrRows = () => rows(k(['get', 'csr']));

  before(async () => {
    await acquireMachineLock();
    root = mkdtempSync(join(tmpdir(), 'tinykube-node-identity-'));
    server = await startServer(join(root, 'server'), []);
    k(['apply', '-f', '-'], BOOTSTRAP_SECRET);
    agent = startAgent();
    await eventually(() => {
      if (agent!.child.exitCode !== null) throw new Error(`the agent exited: ${agent!.output}`);
      return nodeReady();
    }, 30_000, 'the agent to join');
  });

  after(async () => {
    await kill(agent, 'SIGTERM');
    if (root) new ProcessLedger(join(agentDir(), 'node', 'processes')).killLeftovers();
    await kill(server?.proc, 'SIGTERM');
    if (root) rmSync(root, { recursive: true, force: true });
    releaseMachineLock();
  });

  it("the agent's CSR is approved and issued automatically; kubectl get csr shows the bootstrap requestor", () => {
    assert.match(k(['get', 'csr']), /^NAME\s+AGE\s+SIGNERNAME\s+REQUESTOR\s+REQUESTEDDURATION\s+CONDITION\n/);
    const mine = csrRows().filter((r) => r[3] === `system:bootstrap:${TOKEN_ID}`);
    assert.equal(mine.length, 1, k(['get', 'csr']));
    assert.deepEqual(mine[0]!.slice(2), ['kubernetes.io/kube-apiserver-client-kubelet', `system:bootstrap:${TOKEN_ID}`, '<none>', 'Approved,Issued']);
  });

  it("the agent's kubeconfig is system:node:NAME: kubectl gets kube-apiserver's 403 for another node's pod, a Service, an unrelated Secret", () => {
    const kubeconfig = join(agentDir(), 'kubeconfig');
    assert.ok(existsSync(kubeconfig), 'the agent wrote its kubeconfig');
    const as = (args: string[]) => kubectl(args, undefined, kubeconfig);
    const whoami = as(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username} {.status.userInfo.groups}']);
    assert.equal(whoami.code, 0, whoami.out);
    assert.match(whoami.out, new RegExp(`^system:node:${NODE} .*system:nodes`));

    k(['create', 'service', 'clusterip', 'tk-id-svc', '--tcp=80:80']);
    k(['create', 'secret', 'generic', 'tk-id-secret', '--from-literal=a=b']);
    // A pod bound to another node (never run: that node does not exist).
    k(['apply', '-f', '-'], 'apiVersion: v1\nkind: Pod\nmetadata: { name: tk-id-other }\nspec: { nodeName: other-node, containers: [{ name: c, image: nginx }] }\n');

    // A status write (PUT: kubelets may not get pods/status, so kubectl patch stops before it).
    const pod = JSON.parse(k(['get', 'pod', 'tk-id-other', '-o', 'json']));
    const status = kubectl(['replace', '--raw', '/api/v1/namespaces/default/pods/tk-id-other/status', '-f', '-'], JSON.stringify({ ...pod, status: { message: 'x' } }), kubeconfig);
    assert.notEqual(status.code, 0);
    assert.match(status.out, new RegExp(`Error from server \\(Forbidden\\): pods "tk-id-other" is forbidden: node "${NODE}" can only update pod status for pods with spec.nodeName set to itself`));
    const label = as(['label', 'pod', 'tk-id-other', 'x=y']);
    assert.match(label.out, new RegExp(`pods "tk-id-other" is forbidden: User "system:node:${NODE}" cannot patch resource "pods" in API group "" in the namespace "default"`));
    const del = as(['delete', 'service', 'tk-id-svc']);
    assert.match(del.out, new RegExp(`services "tk-id-svc" is forbidden: User "system:node:${NODE}" cannot delete resource "services" in API group "" in the namespace "default"`));
    const secret = as(['get', 'secret', 'tk-id-secret']);
    assert.match(secret.out, new RegExp(`secrets "tk-id-secret" is forbidden: User "system:node:${NODE}" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node '${NODE}' and this object`));
    assert.equal(k(['get', 'service', 'tk-id-svc', '-o', 'name']).trim(), 'service/tk-id-svc', 'the Service is still there');

    const own = as(['label', 'node', NODE, 'tk-id=yes']);
    assert.equal(own.code, 0, own.out);
    const node = JSON.parse(as(['get', 'node', NODE, '-o', 'json']).out);
    node.status.capacity['example.com/dongle'] = '1';
    const ownStatus = kubectl(['replace', '--raw', `/api/v1/nodes/${NODE}/status`, '-f', '-'], JSON.stringify(node), kubeconfig);
    assert.equal(ownStatus.code, 0, ownStatus.out);
    const other = as(['label', 'node', 'other-node', 'x=y']);
    assert.notEqual(other.code, 0);
  });

  it("a pod on the agent gets the Secret it references (a watch by name), and kubectl logs reaches it (the server's kubelet client certificate)", async () => {
    k(['create', 'secret', 'generic', 'tk-id-env', '--from-literal=word=swordfish']);
    k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: { name: tk-id-reader }
spec:
  nodeName: ${NODE}
  restartPolicy: Never
  containers: [{ name: c, image: busybox, command: [sh, -c, 'echo "word=$WORD"'], env: [{ name: WORD, valueFrom: { secretKeyRef: { name: tk-id-env, key: word } } }] }]
`);
    const logs = await eventually(() => {
      const r = kubectl(['logs', 'tk-id-reader']);
      return r.code === 0 && r.out.includes('word=') ? r.out : undefined;
    }, 30_000, 'the pod to log');
    assert.match(logs, /word=swordfish/);
  });

  it('a restarted agent re-uses its certificate: no new CSR', async () => {
    const before = csrRows().length;
    await kill(agent, 'SIGTERM');
    agent = startAgent();
    await eventually(() => agent!.output.includes(`node ${NODE} joined`), 30_000, 'the agent to join again');
    assert.equal(csrRows().length, before);
  });

  it('a user CSR waits for kubectl certificate approve; its certificate authenticates kubectl', async () => {
    const { csr, key } = await userRequest('jane', ['dev']);
    k(['create', '-f', '-'], csrYaml('jane', csr, 'kubernetes.io/kube-apiserver-client'));
    const row = () => csrRows().find((r) => r[0] === 'jane');
    assert.deepEqual(row()!.slice(2), ['kubernetes.io/kube-apiserver-client', 'system:admin', '60m', 'Pending']);
    assert.match(k(['certificate', 'approve', 'jane']), /certificatesigningrequest.certificates.k8s.io\/jane approved/);
    await eventually(() => row()?.[5] === 'Approved,Issued', 15_000, 'the certificate to be issued');
    const cert = Buffer.from(k(['get', 'csr', 'jane', '-o', 'jsonpath={.status.certificate}']), 'base64').toString();
    const kc = parse(readFileSync(server.kubeconfig, 'utf8'));
    kc.users[0].user = { 'client-certificate-data': Buffer.from(cert).toString('base64'), 'client-key-data': Buffer.from(key).toString('base64') };
    const janeKubeconfig = join(root, 'jane.kubeconfig');
    writeFileSync(janeKubeconfig, stringify(kc), { mode: 0o600 });
    const whoami = kubectl(['auth', 'whoami'], undefined, janeKubeconfig);
    assert.equal(whoami.code, 0, whoami.out);
    assert.match(whoami.out, /Username\s+jane/);
    assert.match(whoami.out, /Groups\s+\[dev system:authenticated\]/);

    const denied = await userRequest('joe', []);
    k(['create', '-f', '-'], csrYaml('joe', denied.csr, 'kubernetes.io/kube-apiserver-client'));
    assert.match(k(['certificate', 'deny', 'joe']), /certificatesigningrequest.certificates.k8s.io\/joe denied/);
    assert.equal(row() && csrRows().find((r) => r[0] === 'joe')?.[5], 'Denied');
  });

  it('refused requests: system:masters through kube-apiserver-client (403), a bad request (422), approval without the right (403)', async () => {
    const masters = await userRequest('mallory', ['system:masters']);
    const r = kubectl(['create', '-f', '-'], csrYaml('mallory', masters.csr, 'kubernetes.io/kube-apiserver-client'));
    assert.match(r.out, /certificatesigningrequests.certificates.k8s.io "mallory" is forbidden: use of kubernetes.io\/kube-apiserver-client signer with system:masters group is not allowed/);
    const bad = kubectl(['create', '-f', '-'], csrYaml('garbage', 'not a request', 'example'));
    assert.match(bad.out, /The CertificateSigningRequest "garbage" is invalid/);
    assert.match(bad.out, /spec.request: Invalid value: \[\]byte\{\.\.\.\}: PEM block type must be CERTIFICATE REQUEST/);
    assert.match(bad.out, /spec.signerName: Invalid value: "example": must be a fully qualified domain and path of the form 'example.com\/signer-name'/);
    const pending = await userRequest('ann', []);
    k(['create', '-f', '-'], csrYaml('ann', pending.csr, 'kubernetes.io/kube-apiserver-client'));
    const approve = kubectl(['certificate', 'approve', 'ann'], undefined, join(agentDir(), 'kubeconfig'));
    assert.match(approve.out, /forbidden/);
    assert.equal(csrRows().find((x) => x[0] === 'ann')?.[5], 'Pending');
  });

  it('SIGHUP stops the agent with its pods, then the server: exit 0, none of their processes or sockets left', async () => {
    k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: { name: tk-id-sleeper }
spec: { nodeName: ${NODE}, containers: [{ name: c, image: busybox, command: [sleep, '3600'] }] }
---
apiVersion: v1
kind: Pod
metadata: { name: tk-id-web }
spec: { nodeName: ${NODE}, containers: [{ name: c, image: nginx, ports: [{ containerPort: 80 }] }] }
`);
    await eventually(() => kubectl(['wait', '--for=condition=Ready', 'pod/tk-id-sleeper', 'pod/tk-id-web', '--timeout=2s']).code === 0, 30_000, 'both pods Ready');
    // The sleeper and the image host (nginx) at least.
    const below = descendants(agent!.child.pid!);
    assert.ok(below.length >= 2, `the agent's processes: ${below.join(' ')}`);
    const hangUp = async (p: Proc): Promise<number | null> => {
      const exited = new Promise<number | null>((r) => p.child.once('exit', (code) => r(code)));
      p.child.kill('SIGHUP');
      return exited;
    };
    assert.equal(await hangUp(agent!), 0, agent!.output);
    // Its pods stop with it; the image host may take a moment to see its IPC channel close.
    await eventually(() => below.filter(alive).length === 0, 5_000, 'the agent\'s processes to exit');
    assert.deepEqual(sockets(agentDir()), [], 'no socket left in the agent\'s data dir');

    assert.equal(await hangUp(server.proc), 0, server.proc.output);
    assert.match(server.proc.output, /tinykube server: stopping/);
    assert.deepEqual(sockets(server.dir), [], 'no socket left in the server\'s data dir');
    assert.equal(await refused(new URL(server.url).hostname, server.port), true, 'its port is closed');
  });
});

/** Unix sockets under dir. */
function sockets(dir: string): string[] {
  return spawnSync('find', [dir, '-type', 's'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
}

/** Whether a connection to host:port is refused. */
function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, host);
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(true));
  });
}
