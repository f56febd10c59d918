// POST /tinykube/v1/kubelet-serving-certificate: an agent that joined (with its own
// system:node:NAME certificate) sends `{nodeName, csr}` (a PKCS#10 request made with a key that
// stays on the node; a node may name only itself) and gets back `{certificate}`, signed by the cluster CA for system:node:NAME and the addresses it asked for.
// The API server then verifies the kubelet port against the CA and the node's name before it
// sends the node token there (node-proxy.ts), so an address taken over by someone else gets
// nothing. Kubernetes does this with a CertificateSigningRequest of the kubernetes.io/kubelet-serving
// signer; k3s, as here, with a path on its supervisor port.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../../util/status-errors.js';
import { signKubeletServing } from '../tls.js';
import { readBody } from './body.js';
import { sendJson } from './respond.js';
import type { UserInfo } from '../auth/authenticate.js';
import { nodeIdentity } from '../auth/node-authorizer.js';

export const KUBELET_CERTIFICATE_PATH = '/tinykube/v1/kubelet-serving-certificate';

export interface KubeletCertificateRequest {
  nodeName: string;
  csr: string;
}

const NODE_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export function kubeletCertificates(ca: { cert: string; key: string }): (req: IncomingMessage, res: ServerResponse, user?: UserInfo) => Promise<void> {
  return async (req, res, user) => {
    if (req.method !== 'POST') throw errors.methodNotAllowed();
    let body: Partial<KubeletCertificateRequest>;
    try {
      body = JSON.parse((await readBody(req)).toString('utf8'));
    } catch {
      throw errors.badRequest('the body is not JSON');
    }
    if (typeof body.nodeName !== 'string' || !NODE_NAME.test(body.nodeName)) throw errors.badRequest('nodeName: a node name is required');
    // A node asks for its own name only.
    const node = user && nodeIdentity(user);
    if (node !== undefined && node !== body.nodeName) throw errors.forbidden(`node "${node}" may not ask for node "${body.nodeName}"'s serving certificate`);
    if (typeof body.csr !== 'string') throw errors.badRequest('csr: a PEM certificate request is required');
    let certificate: string;
    try {
      certificate = await signKubeletServing(ca, body.csr, body.nodeName);
    } catch (e) {
      throw errors.badRequest(`csr: ${(e as Error).message}`);
    }
    sendJson(res, 201, { certificate });
  };
}
