// The csrsigning controller: signs approved CSRs of kubernetes.io/kube-apiserver-client and
// kubernetes.io/kube-apiserver-client-kubelet with the cluster CA, for the subject, key and
// usages of the request, from five minutes ago for the duration asked (at least 10 minutes, at
// most a year). A request its signer refuses gets a Failed condition (SignerValidationFailure).

import type { Logger } from 'pino';
import { Informer } from '../../client/informer.js';
import type { Client } from '../../client/client.js';
import { issueCertificate } from '../../api/tls.js';
import { parseRequest } from '../../apis/certificates/request.js';
import { hasCondition, pemOf, type CertificateSigningRequest } from '../../apis/certificates/types.js';
import { rfc3339 } from '../../util/time.js';
import { QueueController } from '../queue-controller.js';
import { CSRS } from './resources.js';
import { BACKDATE_MS, certificateUsages, durationSeconds, signerProblem } from './signer-rules.js';

export type Issue = { certificate: string } | { failed: string } | undefined;

/** What the signer does with a CSR: issue a certificate, fail it, or nothing (not approved,
 *  done already, or another signer's). */
export async function signCsr(csr: CertificateSigningRequest, ca: { cert: string; key: string }, now: Date): Promise<Issue> {
  if (!hasCondition(csr, 'Approved') || hasCondition(csr, 'Failed') || csr.status?.certificate) return undefined;
  const request = parseRequest(pemOf(csr.spec.request));
  if (typeof request === 'string') return { failed: request };
  const usages = csr.spec.usages ?? [];
  const problem = signerProblem(csr.spec.signerName, request, usages);
  if (problem === null) return undefined;
  if (problem) return { failed: problem };
  const pem = await issueCertificate(ca, {
    subject: request.subjectName,
    publicKey: request.publicKey,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + durationSeconds(csr.spec.expirationSeconds) * 1000),
    ...certificateUsages(usages),
  });
  return { certificate: pem };
}

export class CsrSigningController extends QueueController {
  constructor(
    private readonly client: Client,
    private readonly csrs: Informer<CertificateSigningRequest>,
    private readonly ca: { cert: string; key: string },
    log: Logger,
  ) {
    super(log, { workers: 1, keyField: 'csr', failure: 'could not sign the certificate request', objects: csrs });
  }

  protected async sync(name: string): Promise<void> {
    const csr = this.csrs.get(undefined, name);
    if (!csr) return;
    const issue = await signCsr(csr, this.ca, new Date());
    if (!issue) return;
    const status = { ...csr.status };
    if ('certificate' in issue) status.certificate = Buffer.from(issue.certificate).toString('base64');
    else status.conditions = [...(status.conditions ?? []), { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: issue.failed, lastUpdateTime: rfc3339(new Date()) }];
    await this.client.update(CSRS, undefined, { ...csr, status }, { subresource: 'status' });
  }
}
