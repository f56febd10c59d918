// Admission of CertificateSigningRequests, as kube-apiserver's: on create the spec says who
// asked (username, uid, groups, extra from the requester, never from the body: the registry
// strategy's PrepareForCreate), and the kube-apiserver-client signer is refused a request for
// system:masters (subjectrestriction); approving or denying needs `approve` on the signer
// (certificates/approval), issuing a certificate `sign` on it (certificates/signing), each
// checked for `signers` named the signerName or `DOMAIN/*`.

import type { KubeObject } from '../../apis/types.js';
import { CERTIFICATES_GROUP, KUBE_APISERVER_CLIENT_SIGNER, pemOf, type CertificateSigningRequest } from '../../apis/certificates/types.js';
import { parseRequest, requestSubject } from '../../apis/certificates/request.js';
import { forbiddenObject, type Attributes } from './attributes.js';
import type { Authorizer } from './authorize.js';

/** Whether `user` may `verb` the signer (IsAuthorizedForSignerName). */
export async function mayUseSigner(authorizer: Authorizer, a: Attributes, verb: 'approve' | 'sign', signerName: string): Promise<boolean> {
  const ask = (name: string) => authorizer.authorize({ user: a.user, verb, isResource: true, apiGroup: CERTIFICATES_GROUP, resource: 'signers', name });
  if ((await ask(signerName)).allowed) return true;
  const domain = signerName.split('/')[0];
  return (await ask(`${domain}/*`)).allowed;
}

export async function admitCertificates(authorizer: Authorizer, a: Attributes, obj: KubeObject | undefined, old: KubeObject | undefined): Promise<void> {
  if (a.apiGroup !== CERTIFICATES_GROUP || a.resource !== 'certificatesigningrequests' || !obj) return;
  const csr = obj as CertificateSigningRequest;
  const refuse = (why: string) => forbiddenObject({ ...a, name: csr.metadata.name }, why);
  if (!old) {
    const { username, uid, groups, extra } = a.user;
    csr.spec.username = username;
    if (uid) csr.spec.uid = uid;
    else delete csr.spec.uid;
    csr.spec.groups = [...groups];
    if (extra && Object.keys(extra).length) csr.spec.extra = extra;
    else delete csr.spec.extra;
    const parsed = parseRequest(pemOf(csr.spec.request));
    if (csr.spec.signerName === KUBE_APISERVER_CLIENT_SIGNER && typeof parsed !== 'string' && requestSubject(parsed).organizations.includes('system:masters')) {
      throw refuse(`use of ${KUBE_APISERVER_CLIENT_SIGNER} signer with system:masters group is not allowed`);
    }
    return;
  }
  const was = old as CertificateSigningRequest;
  if (a.subresource === 'approval' && JSON.stringify(csr.status?.conditions ?? []) !== JSON.stringify(was.status?.conditions ?? [])) {
    if (!(await mayUseSigner(authorizer, a, 'approve', csr.spec.signerName))) throw refuse(`user not permitted to approve requests with signerName "${csr.spec.signerName}"`);
  }
  if (a.subresource === 'status' && (csr.status?.certificate ?? '') !== (was.status?.certificate ?? '')) {
    if (!(await mayUseSigner(authorizer, a, 'sign', csr.spec.signerName))) throw refuse(`user not permitted to sign requests with signerName "${csr.spec.signerName}"`);
  }
}
