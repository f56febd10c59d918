// The csrapproving controller: approves a pending kubelet client CSR when its requester may
// create `certificatesigningrequests/nodeclient` (a node joining: system:bootstrappers), or,
// asking for its own name again, `certificatesigningrequests/selfnodeclient` (a node renewing:
// system:nodes). Asked as a SubjectAccessReview for the user the CSR records. Anything else
// waits for `kubectl certificate approve`.

import type { Logger } from 'pino';
import type { Informer } from '../../client/informer.js';
import type { Client } from '../../client/client.js';
import { parseRequest, requestSubject } from '../../apis/certificates/request.js';
import { KUBELET_CLIENT_SIGNER, hasCondition, pemOf, type CertificateSigningRequest, type CsrCondition } from '../../apis/certificates/types.js';
import { rfc3339 } from '../../util/time.js';
import { QueueController } from '../queue-controller.js';
import { CSRS } from './resources.js';
import { kubeletClientProblem } from './signer-rules.js';

/** Whether the user a CSR records may `create` a subresource of certificatesigningrequests. */
export type MayCreate = (csr: CertificateSigningRequest, subresource: 'nodeclient' | 'selfnodeclient') => Promise<boolean>;

/** The Approved condition a CSR earns, if any (pure but for the access review). */
export async function approval(csr: CertificateSigningRequest, mayCreate: MayCreate): Promise<CsrCondition | undefined> {
  if (csr.spec.signerName !== KUBELET_CLIENT_SIGNER || hasCondition(csr, 'Approved') || hasCondition(csr, 'Denied')) return undefined;
  const request = parseRequest(pemOf(csr.spec.request));
  if (typeof request === 'string' || kubeletClientProblem(request, csr.spec.usages ?? [])) return undefined;
  const approved = (message: string): CsrCondition => ({ type: 'Approved', status: 'True', reason: 'AutoApproved', message });
  if (requestSubject(request).cn === csr.spec.username && (await mayCreate(csr, 'selfnodeclient'))) {
    return approved('Auto approving self kubelet client certificate after SubjectAccessReview.');
  }
  if (await mayCreate(csr, 'nodeclient')) return approved('Auto approving kubelet client certificate after SubjectAccessReview.');
  return undefined;
}

export class CsrApprovingController extends QueueController {
  constructor(
    private readonly client: Client,
    private readonly csrs: Informer<CertificateSigningRequest>,
    private readonly mayCreate: MayCreate,
    log: Logger,
  ) {
    super(log, { workers: 1, keyField: 'csr', failure: 'could not approve the certificate request', objects: csrs });
  }

  protected async sync(name: string): Promise<void> {
    const csr = this.csrs.get(undefined, name);
    if (!csr) return;
    const condition = await approval(csr, this.mayCreate);
    if (!condition) return;
    const conditions = [...(csr.status?.conditions ?? []), { ...condition, lastUpdateTime: rfc3339(new Date()) }];
    await this.client.update(CSRS, undefined, { ...csr, status: { ...csr.status, conditions } }, { subresource: 'approval' });
  }
}
