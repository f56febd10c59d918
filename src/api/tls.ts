// The cluster CA and the API server's serving certificate, made on first start and kept in
// the data dir. @peculiar/x509 builds the certificates (Node has no X.509 writer); keys are
// ECDSA P-256 from Node's WebCrypto.

import { webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;

export interface TlsFiles {
  caCert: string;
  cert: string;
  key: string;
}

export interface ServingNames {
  ips: string[];
  dnsNames: string[];
}

/** Loads `DIR/tls/{ca.crt,ca.key,server.crt,server.key}`, creating what is missing. A serving
 *  certificate is re-issued when its names no longer cover `names`. */
export async function ensureTls(dir: string, names: ServingNames): Promise<TlsFiles> {
  const tlsDir = join(dir, 'tls');
  mkdirSync(tlsDir, { recursive: true, mode: 0o700 });
  const file = (n: string): string => join(tlsDir, n);

  if (!existsSync(file('ca.crt')) || !existsSync(file('ca.key'))) writeCa(dir, await createCa());
  const caPem = readFileSync(file('ca.crt'), 'utf8');

  // Re-issued when its names fall short, or when the CA changed (a server joining a cluster
  // takes the CA stored there).
  const covered =
    existsSync(file('server.crt')) &&
    existsSync(file('server.key')) &&
    covers(readFileSync(file('server.crt'), 'utf8'), names) &&
    (await issuedBy(readFileSync(file('server.crt'), 'utf8'), caPem));
  if (!covered) {
    const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
    const cert = await issueServing({ cert: caPem, key: readFileSync(file('ca.key'), 'utf8') }, 'CN=kube-apiserver', keys.publicKey, names);
    writeAtomic(file('server.key'), await exportKey(keys.privateKey));
    writeAtomic(file('server.crt'), cert);
  }
  return { caCert: caPem, cert: readFileSync(file('server.crt'), 'utf8'), key: readFileSync(file('server.key'), 'utf8') };
}

/** A serving certificate for `subject` and `names`, signed by the CA (PEM). */
function issueServing(ca: { cert: string; key: string }, subject: string, publicKey: webcrypto.CryptoKey | x509.PublicKey, names: ServingNames): Promise<string> {
  return issueLeaf(ca, subject, publicKey, [x509.ExtendedKeyUsage.serverAuth], [servingNames(names)]);
}

/** A ten-year certificate for `subject`'s key, signed by the CA, for the usages given (PEM). */
function issueLeaf(
  ca: { cert: string; key: string },
  subject: string,
  publicKey: webcrypto.CryptoKey | x509.PublicKey,
  usages: x509.ExtendedKeyUsageType[],
  extensions: x509.Extension[] = [],
): Promise<string> {
  const now = Date.now();
  return issueCertificate(ca, {
    subject,
    publicKey,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + TEN_YEARS_MS),
    keyUsages: x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
    extKeyUsages: usages,
    extensions,
  });
}

export interface LeafRequest {
  subject: string | x509.Name;
  publicKey: webcrypto.CryptoKey | x509.PublicKey;
  notBefore: Date;
  notAfter: Date;
  keyUsages: x509.KeyUsageFlags;
  extKeyUsages: x509.ExtendedKeyUsageType[];
  extensions?: x509.Extension[];
}

/** A leaf certificate signed by the CA, never past the CA's own end (PEM). */
export async function issueCertificate(ca: { cert: string; key: string }, r: LeafRequest): Promise<string> {
  const caCert = new x509.X509Certificate(ca.cert);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: r.subject,
    issuer: caCert.subject,
    notBefore: r.notBefore,
    notAfter: r.notAfter > caCert.notAfter ? caCert.notAfter : r.notAfter,
    publicKey: r.publicKey,
    signingKey: await importKey(ca.key),
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      // No key usage asked: no extension (as Go's x509 writes it), rather than an empty one TLS refuses.
      ...(r.keyUsages ? [new x509.KeyUsagesExtension(r.keyUsages, true)] : []),
      ...(r.extKeyUsages.length ? [new x509.ExtendedKeyUsageExtension(r.extKeyUsages)] : []),
      ...(r.extensions ?? []),
    ],
  });
  return cert.toString('pem');
}

/** The kubelet serving certificate's subject for a node, as the kubelet-serving signer requires. */
export const kubeletSubject = (nodeName: string): string => `CN=system:node:${nodeName}, O=system:nodes`;

/** A node's key and its request (PKCS#10, PEM) for a kubelet serving certificate. The key never
 *  leaves the node; the server signs the request (signKubeletServing). */
export async function createKubeletCsr(nodeName: string, names: ServingNames): Promise<{ csr: string; key: string }> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: kubeletSubject(nodeName),
    keys,
    signingAlgorithm: ALG,
    extensions: [servingNames(names)],
  });
  return { csr: csr.toString('pem'), key: await exportKey(keys.privateKey) };
}

/** A key and its request (PKCS#10, PEM) for a client certificate of `user` in `groups` (a
 *  node's own, asked for with a CertificateSigningRequest). */
export async function createClientCsr(user: string, groups: string[]): Promise<{ csr: string; key: string }> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: clientSubject(user, groups), keys, signingAlgorithm: ALG });
  return { csr: csr.toString('pem'), key: await exportKey(keys.privateKey) };
}

/** Signs a node's request for a kubelet serving certificate with the cluster CA, after checking
 *  it is well-formed, self-signed by its key and names the node as system:node:NAME. Throws an
 *  Error saying what is wrong otherwise. */
export async function signKubeletServing(ca: { cert: string; key: string }, csrPem: string, nodeName: string): Promise<string> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch {
    throw new Error('not a PEM certificate request');
  }
  if (!(await csr.verify())) throw new Error('the request is not signed by its key');
  if (csr.subjectName.getField('CN')[0] !== `system:node:${nodeName}`) throw new Error(`the request's subject is not system:node:${nodeName}`);
  const san = csr.extensions.find((e): e is x509.SubjectAlternativeNameExtension => e instanceof x509.SubjectAlternativeNameExtension);
  const names: ServingNames = { ips: [], dnsNames: [] };
  for (const n of san?.names.items ?? []) {
    if (n.type === 'ip') names.ips.push(n.value);
    else if (n.type === 'dns') names.dnsNames.push(n.value);
    else throw new Error(`a kubelet serving certificate names IPs and DNS names only, not ${n.type}`);
  }
  if (!names.ips.length && !names.dnsNames.length) throw new Error('the request names no address');
  return issueServing(ca, kubeletSubject(nodeName), csr.publicKey, names);
}

/** A client certificate's subject: CN the user, one O per group (kube-apiserver's x509
 *  authenticator reads them so). */
export function clientSubject(user: string, groups: string[]): string {
  const escape = (v: string): string => v.replace(/([,+"\\<>;=])/g, '\\$1');
  return [`CN=${escape(user)}`, ...groups.map((g) => `O=${escape(g)}`)].join(', ');
}

/** A key and a client certificate for `user` in `groups`, signed by the CA (PEM). */
export async function issueClientCert(ca: { cert: string; key: string }, user: string, groups: string[]): Promise<{ cert: string; key: string }> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  return { cert: await issueLeaf(ca, clientSubject(user, groups), keys.publicKey, [x509.ExtendedKeyUsage.clientAuth]), key: await exportKey(keys.privateKey) };
}


/** DIR/tls/NAME.{crt,key}: a client certificate for `user` in `groups`, issued again when the
 *  CA changed (a data dir joining a cluster) or its subject differs. */
export async function ensureClientCert(dir: string, name: string, ca: { cert: string; key: string }, user: string, groups: string[]): Promise<{ cert: string; key: string }> {
  const crt = join(dir, 'tls', `${name}.crt`);
  const key = join(dir, 'tls', `${name}.key`);
  if (existsSync(crt) && existsSync(key)) {
    const have = readFileSync(crt, 'utf8');
    if (new x509.X509Certificate(have).subject === new x509.Name(clientSubject(user, groups)).toString() && (await issuedBy(have, ca.cert))) {
      return { cert: have, key: readFileSync(key, 'utf8') };
    }
  }
  const issued = await issueClientCert(ca, user, groups);
  mkdirSync(join(dir, 'tls'), { recursive: true, mode: 0o700 });
  writeAtomic(key, issued.key);
  writeAtomic(crt, issued.cert);
  return issued;
}

/** A new cluster CA (certificate and key, PEM). */
export async function createCa(): Promise<{ cert: string; key: string }> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=tinykube-ca',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + TEN_YEARS_MS),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { cert: ca.toString('pem'), key: await exportKey(keys.privateKey) };
}

function servingNames(names: ServingNames): x509.SubjectAlternativeNameExtension {
  return new x509.SubjectAlternativeNameExtension([
    ...names.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...names.ips.map((value) => ({ type: 'ip' as const, value })),
  ]);
}

/** The CA in DIR/tls, if there is one. */
export function readCa(dir: string): { cert: string; key: string } | undefined {
  const cert = join(dir, 'tls', 'ca.crt');
  const key = join(dir, 'tls', 'ca.key');
  return existsSync(cert) && existsSync(key) ? { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') } : undefined;
}

/** Puts the CA into DIR/tls (a serving certificate it did not sign is re-issued by ensureTls). */
export function writeCa(dir: string, ca: { cert: string; key: string }): void {
  mkdirSync(join(dir, 'tls'), { recursive: true, mode: 0o700 });
  writeAtomic(join(dir, 'tls', 'ca.key'), ca.key);
  writeAtomic(join(dir, 'tls', 'ca.crt'), ca.cert);
}

async function issuedBy(pem: string, caPem: string): Promise<boolean> {
  return new x509.X509Certificate(pem).verify({ publicKey: new x509.X509Certificate(caPem).publicKey, signatureOnly: true });
}

function covers(pem: string, names: ServingNames): boolean {
  const san = new x509.X509Certificate(pem).getExtension(x509.SubjectAlternativeNameExtension);
  if (!san) return false;
  const have = new Set(san.names.items.map((n) => n.value));
  return [...names.ips, ...names.dnsNames].every((n) => have.has(n));
}

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1');
}

async function exportKey(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd()}\n-----END PRIVATE KEY-----\n`;
}

async function importKey(pem: string): Promise<webcrypto.CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return webcrypto.subtle.importKey('pkcs8', der, ALG, false, ['sign']);
}

/** Write-then-rename so a crash never leaves a half-written key or certificate. */
export function writeAtomic(path: string, data: string, mode = 0o600): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
}
