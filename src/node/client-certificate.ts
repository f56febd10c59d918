// An agent's own identity, as a kubelet bootstraps it (TLS bootstrapping): with a bootstrap
// credential it makes a key, asks for a kubernetes.io/kube-apiserver-client-kubelet
// certificate for `system:node:NAME` in `system:nodes` with a CertificateSigningRequest, waits
// for the certificate (the csrapproving controller approves node clients, the csrsigning
// controller issues) and writes its kubeconfig, DATA_DIR/kubeconfig, which it uses from then
// on. A restart re-uses a certificate that is still good for this node and CA; past 80% of its
// lifetime the agent asks again with the certificate itself (selfnodeclient).

import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { parse, stringify } from 'yaml';
import type { Client } from '../client/client.js';
import { KUBELET_CLIENT_SIGNER, hasCondition, pemOf, type CertificateSigningRequest } from '../apis/certificates/types.js';
import { clientSubject, createClientCsr, writeAtomic } from '../api/tls.js';
import { StatusError } from '../util/status-errors.js';

const CSRS = { group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests' };
/** Renew past this share of the certificate's lifetime (the kubelet picks 70–90%). */
const RENEW_AT = 0.8;
const POLL_MS = 500;

export interface NodeCredential {
  cert: string;
  key: string;
}

export const nodeKubeconfigPath = (dataDir: string): string => join(dataDir, 'kubeconfig');

/** When a credential should be renewed (ms since the epoch). */
export function renewalTime(certPem: string): number {
  const { notBefore, notAfter } = new x509.X509Certificate(certPem);
  return notBefore.getTime() + RENEW_AT * (notAfter.getTime() - notBefore.getTime());
}

/** The credential in DATA_DIR/kubeconfig, if it is this node's, issued by `caPem` and not due
 *  for renewal at `now`. */
export async function storedCredential(dataDir: string, nodeName: string, caPem: string, now: number): Promise<NodeCredential | undefined> {
  const path = nodeKubeconfigPath(dataDir);
  if (!existsSync(path)) return undefined;
  try {
    const user = parse(readFileSync(path, 'utf8')).users?.[0]?.user ?? {};
    const cert = Buffer.from(user['client-certificate-data'] ?? '', 'base64').toString('utf8');
    const key = Buffer.from(user['client-key-data'] ?? '', 'base64').toString('utf8');
    const c = new x509.X509Certificate(cert);
    const ours = c.subject === new x509.Name(clientSubject(`system:node:${nodeName}`, ['system:nodes'])).toString();
    const signed = await c.verify({ publicKey: new x509.X509Certificate(caPem).publicKey, signatureOnly: true });
    return ours && signed && now < renewalTime(cert) ? { cert, key } : undefined;
  } catch {
    return undefined;
  }
}

/** Creates a node client CSR with `client` (the bootstrap credential, or the node's own to
 *  renew) and waits for its certificate. Throws when it is denied or fails. */
export async function requestNodeCredential(client: Client, nodeName: string, opts: { timeoutMs?: number; log?: (msg: string) => void } = {}): Promise<NodeCredential> {
  const { csr, key } = await createClientCsr(`system:node:${nodeName}`, ['system:nodes']);
  const name = `node-csr-${randomBytes(8).toString('hex')}`;
  await client.create(CSRS, undefined, {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name },
    spec: { request: Buffer.from(csr).toString('base64'), signerName: KUBELET_CLIENT_SIGNER, usages: ['digital signature', 'client auth'] },
  });
  opts.log?.(`waiting for certificate signing request ${name} to be approved and issued`);
  const deadline = Date.now() + (opts.timeoutMs ?? 5 * 60_000);
  for (;;) {
    const got = await client.get<CertificateSigningRequest>(CSRS, undefined, name).catch((e: unknown) => {
      if (e instanceof StatusError && e.code === 404) throw new Error(`certificate signing request ${name} was deleted before it was issued`);
      throw e;
    });
    for (const t of ['Denied', 'Failed'] as const) {
      if (hasCondition(got, t)) {
        const c = got.status!.conditions!.find((x) => x.type === t)!;
        throw new Error(`certificate signing request ${name} is ${t.toLowerCase()}: ${c.reason ?? ''} ${c.message ?? ''}`.trim());
      }
    }
    if (got.status?.certificate) return { cert: pemOf(got.status.certificate), key };
    if (Date.now() > deadline) throw new Error(`certificate signing request ${name} was not issued in time (is it approved? kubectl certificate approve ${name})`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Writes the node's kubeconfig (its client certificate, the cluster CA, the servers). */
export function writeNodeKubeconfig(dataDir: string, nodeName: string, server: string, caPem: string, cred: NodeCredential): void {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  const user = `system:node:${nodeName}`;
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'tinykube', cluster: { server: server.split(',')[0], 'certificate-authority-data': b64(caPem) } }],
    users: [{ name: user, user: { 'client-certificate-data': b64(cred.cert), 'client-key-data': b64(cred.key) } }],
    contexts: [{ name: 'tinykube', context: { cluster: 'tinykube', user } }],
    'current-context': 'tinykube',
  };
  writeAtomic(nodeKubeconfigPath(dataDir), stringify(doc));
}
