// The csrcleaner controller: removes CSRs past upstream's ages (an hour after approval, denial
// or failure, a day pending) and those whose issued certificate has expired, looking once an
// hour as kube-controller-manager's does.

import type { Logger } from 'pino';
import * as x509 from '@peculiar/x509';
import type { Informer } from '../../client/informer.js';
import type { Client } from '../../client/client.js';
import { hasCondition, pemOf, type CertificateSigningRequest } from '../../apis/certificates/types.js';
import { CSRS } from './resources.js';

const HOUR_MS = 3600_000;
export const APPROVED_EXPIRATION_MS = HOUR_MS;
export const DENIED_EXPIRATION_MS = HOUR_MS;
export const PENDING_EXPIRATION_MS = 24 * HOUR_MS;
export const CLEAN_INTERVAL_MS = HOUR_MS;

const since = (csr: CertificateSigningRequest, type: string): number | undefined => {
  const c = (csr.status?.conditions ?? []).find((x) => x.type === type && x.status === 'True');
  return c ? Date.parse(c.lastUpdateTime ?? c.lastTransitionTime ?? csr.metadata.creationTimestamp ?? '') : undefined;
};

/** Why a CSR is due for removal at `now`, or undefined. */
export function cleanupReason(csr: CertificateSigningRequest, now: number): string | undefined {
  const cert = csr.status?.certificate;
  if (cert) {
    try {
      if (new x509.X509Certificate(pemOf(cert)).notAfter.getTime() < now) return 'its certificate has expired';
    } catch {
      return undefined;
    }
  }
  const old = (t: number | undefined, ms: number): boolean => t !== undefined && now - t > ms;
  if (old(since(csr, 'Approved'), APPROVED_EXPIRATION_MS)) return 'approved more than an hour ago';
  if (old(since(csr, 'Denied'), DENIED_EXPIRATION_MS)) return 'denied more than an hour ago';
  if (old(since(csr, 'Failed'), DENIED_EXPIRATION_MS)) return 'failed more than an hour ago';
  const pending = !hasCondition(csr, 'Approved') && !hasCondition(csr, 'Denied') && !hasCondition(csr, 'Failed');
  if (pending && old(Date.parse(csr.metadata.creationTimestamp ?? ''), PENDING_EXPIRATION_MS)) return 'pending for more than a day';
  return undefined;
}

/** Runs the cleaner now and then every hour; returns its stop. */
export function startCsrCleaner(client: Client, csrs: Informer<CertificateSigningRequest>, log: Logger): () => void {
  const clean = async (): Promise<void> => {
    for (const csr of csrs.list()) {
      const why = cleanupReason(csr, Date.now());
      if (!why) continue;
      await client.delete(CSRS, undefined, csr.metadata.name!).catch((err: unknown) => log.warn({ err, csr: csr.metadata.name }, 'could not remove an old certificate request'));
      log.info({ csr: csr.metadata.name, why }, 'removed an old certificate request');
    }
  };
  const run = (): void => void clean();
  run();
  const timer = setInterval(run, CLEAN_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
