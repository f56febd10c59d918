// The x509 request inside a CSR (certificates.ParseCSR): one PEM block of type CERTIFICATE
// REQUEST that parses as PKCS#10. Its signature is checked apart (verifyRequest), since
// WebCrypto verifies asynchronously.

import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]*?)-----END \1-----/;

/** The parsed request, or what is wrong with `pem`. */
export function parseRequest(pem: string): x509.Pkcs10CertificateRequest | string {
  const block = PEM_BLOCK.exec(pem);
  if (!block || block[1] !== 'CERTIFICATE REQUEST') return 'PEM block type must be CERTIFICATE REQUEST';
  try {
    return new x509.Pkcs10CertificateRequest(Buffer.from(block[2]!.replace(/\s+/g, ''), 'base64'));
  } catch (e) {
    return `asn1: ${(e as Error).message}`;
  }
}

/** Whether the request is signed by the key it carries (x509.CertificateRequest.CheckSignature). */
export async function verifyRequest(csr: x509.Pkcs10CertificateRequest): Promise<boolean> {
  return csr.verify().catch(() => false);
}

/** The request's subject: its CN and its O values. */
export function requestSubject(csr: x509.Pkcs10CertificateRequest): { cn: string | undefined; organizations: string[] } {
  return { cn: csr.subjectName.getField('CN')[0], organizations: csr.subjectName.getField('O') };
}

/** The kinds of subject alternative names the request carries. */
export function requestNames(csr: x509.Pkcs10CertificateRequest): { dns: string[]; ip: string[]; email: string[]; uri: string[] } {
  const san = csr.extensions.find((e): e is x509.SubjectAlternativeNameExtension => e instanceof x509.SubjectAlternativeNameExtension);
  const out = { dns: [] as string[], ip: [] as string[], email: [] as string[], uri: [] as string[] };
  for (const n of san?.names.items ?? []) {
    if (n.type === 'dns') out.dns.push(n.value);
    else if (n.type === 'ip') out.ip.push(n.value);
    else if (n.type === 'email') out.email.push(n.value);
    else if (n.type === 'url') out.uri.push(n.value);
  }
  return out;
}
