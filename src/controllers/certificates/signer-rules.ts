// What each built-in signer accepts (pkg/apis/certificates' ValidateKubeletClientCSR and
// ValidateAPIServerClientUsages), and what it issues: the usages a CSR names as key usages and
// extended key usages, for the duration asked, never longer than the signer's own limit.

import * as x509 from '@peculiar/x509';
import { KUBE_APISERVER_CLIENT_SIGNER, KUBELET_CLIENT_SIGNER } from '../../apis/certificates/types.js';
import { requestNames, requestSubject } from '../../apis/certificates/request.js';
import { MIN_EXPIRATION_SECONDS } from '../../apis/certificates/certificatesigningrequests.js';

/** kube-controller-manager's --cluster-signing-duration default: one year. */
export const SIGNING_DURATION_SECONDS = 365 * 24 * 3600;
/** Certificates start this long before they are issued, for clocks a little behind. */
export const BACKDATE_MS = 5 * 60_000;

const CLIENT_USAGES = ['digital signature', 'key encipherment', 'client auth'];

/** ValidateKubeletClientCSR: why the request is no kubelet client's, or undefined. */
export function kubeletClientProblem(csr: x509.Pkcs10CertificateRequest, usages: string[]): string | undefined {
  const { cn, organizations } = requestSubject(csr);
  if (organizations.length !== 1 || organizations[0] !== 'system:nodes') return 'subject organization is not system:nodes';
  const names = requestNames(csr);
  if (names.dns.length) return 'dnsNames subjectAltName content is not allowed';
  if (names.email.length) return 'emailAddresses subjectAltName content is not allowed';
  if (names.ip.length) return 'ipAddresses subjectAltName content is not allowed';
  if (names.uri.length) return 'uris subjectAltName content is not allowed';
  if (!cn?.startsWith('system:node:')) return 'subject common name does not begin with system:node:';
  return clientUsagesProblem(usages);
}

/** ValidateAPIServerClientUsages: a client certificate's usages. */
export function clientUsagesProblem(usages: string[]): string | undefined {
  const bad = usages.find((u) => !CLIENT_USAGES.includes(u));
  if (bad) return `invalid usage for client certificate: ${bad}`;
  if (!usages.includes('client auth')) return 'missing required usage for client certificate: client auth';
  return undefined;
}

/** Why `signerName`'s signer refuses the request; undefined when it signs; null for a signer
 *  this controller is not (the CSR is left to another). */
export function signerProblem(signerName: string, csr: x509.Pkcs10CertificateRequest, usages: string[]): string | undefined | null {
  if (signerName === KUBELET_CLIENT_SIGNER) return kubeletClientProblem(csr, usages);
  if (signerName === KUBE_APISERVER_CLIENT_SIGNER) return clientUsagesProblem(usages);
  return null;
}

/** The certificate's lifetime: what was asked, at least the minimum, at most the signer's. */
export function durationSeconds(expirationSeconds: number | undefined): number {
  if (expirationSeconds === undefined) return SIGNING_DURATION_SECONDS;
  return Math.min(Math.max(expirationSeconds, MIN_EXPIRATION_SECONDS), SIGNING_DURATION_SECONDS);
}

const KEY_USAGE_FLAGS: Record<string, x509.KeyUsageFlags> = {
  'digital signature': x509.KeyUsageFlags.digitalSignature,
  'key encipherment': x509.KeyUsageFlags.keyEncipherment,
  'content commitment': x509.KeyUsageFlags.nonRepudiation,
  'key agreement': x509.KeyUsageFlags.keyAgreement,
  'data encipherment': x509.KeyUsageFlags.dataEncipherment,
};
const EXT_KEY_USAGES: Record<string, x509.ExtendedKeyUsageType> = {
  'client auth': x509.ExtendedKeyUsage.clientAuth,
  'server auth': x509.ExtendedKeyUsage.serverAuth,
};

/** The key usages and extended key usages a CSR's usages ask for. */
export function certificateUsages(usages: string[]): { keyUsages: x509.KeyUsageFlags; extKeyUsages: x509.ExtendedKeyUsageType[] } {
  let keyUsages = 0 as x509.KeyUsageFlags;
  const extKeyUsages: x509.ExtendedKeyUsageType[] = [];
  for (const u of usages) {
    if (KEY_USAGE_FLAGS[u]) keyUsages |= KEY_USAGE_FLAGS[u];
    if (EXT_KEY_USAGES[u]) extKeyUsages.push(EXT_KEY_USAGES[u]);
  }
  return { keyUsages, extKeyUsages };
}
