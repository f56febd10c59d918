// kube-controller-manager's certificate controllers: csrapproving, csrsigning (with the cluster
// CA) and csrcleaner, on one CSR informer.

import type { Logger } from 'pino';
import { Informer } from '../../client/informer.js';
import type { Client } from '../../client/client.js';
import type { CertificateSigningRequest } from '../../apis/certificates/types.js';
import { CsrApprovingController, type MayCreate } from './approver.js';
import { CsrSigningController } from './signer.js';
import { startCsrCleaner } from './cleaner.js';
import { CSRS } from './resources.js';

export async function startCertificateControllers(o: { client: Client; ca: { cert: string; key: string }; mayCreate: MayCreate; log: Logger }): Promise<{ stop(): void }> {
  const csrs = new Informer<CertificateSigningRequest>(o.client, CSRS);
  const approver = new CsrApprovingController(o.client, csrs, o.mayCreate, o.log.child({ controller: 'csrapproving' }));
  const signer = new CsrSigningController(o.client, csrs, o.ca, o.log.child({ controller: 'csrsigning' }));
  await csrs.start();
  await approver.start();
  await signer.start();
  const stopCleaner = startCsrCleaner(o.client, csrs, o.log.child({ controller: 'csrcleaner' }));
  return {
    stop() {
      stopCleaner();
      approver.stop();
      signer.stop();
      csrs.stop();
    },
  };
}
