// Who a request is, asked in kube-apiserver's order: a client certificate the cluster CA
// signed for client use (CN the user, each O a group); the cluster's static bearer tokens
// (admin: system:masters; the node token: a bootstrapper); a bootstrap token (bootstrap-token.ts); a ServiceAccount token, a JWT this cluster signed whose
// ServiceAccount, and the pod it is bound to, still exist with the uids it names (kube-apiserver's
// bound-token validation). A certificate that does not verify authenticates no one (401 unless a
// token does).

import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Rest } from '../rest/rest.js';
import { hasBearer } from '../bearer.js';
import type { KubeObject } from '../../apis/types.js';
import { bootstrapSecretName, bootstrapTokenId, bootstrapTokenUser } from './bootstrap-token.js';
import { serviceAccountUser, type ServiceAccountJwt, type TokenClaims } from './service-account-jwt.js';

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

const ADMIN: UserInfo = { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] };
/** The node token joins agents: a bootstrap identity that may only ask for a node client
 *  certificate (auto-approved), as a kubeadm bootstrap token or k3s's join token. */
export const NODE_TOKEN_USER: UserInfo = { username: 'system:bootstrap:node-token', groups: ['system:bootstrappers', 'system:authenticated'] };

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/** Each connection's certificate user: a connection's peer certificate cannot change, and
 *  getPeerCertificate() builds a new object each call (node agents keep their connections for
 *  thousands of requests). */
const certificateUsers = new WeakMap<TLSSocket, UserInfo | undefined>();

/** The user of a verified client certificate with the clientAuth usage (a serving certificate
 *  names a node too, and must not stand for it). */
export function certificateUser(socket: TLSSocket): UserInfo | undefined {
  if (!socket.authorized || typeof socket.getPeerCertificate !== 'function') return undefined;
  if (!certificateUsers.has(socket)) certificateUsers.set(socket, peerUser(socket));
  return certificateUsers.get(socket);
}

function peerUser(socket: TLSSocket): UserInfo | undefined {
  const peer = socket.getPeerCertificate();
  const cn = peer?.subject?.CN;
  if (!cn || !peer.ext_key_usage?.includes(CLIENT_AUTH)) return undefined;
  const o = peer.subject.O as string | string[] | undefined;
  const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
  return { username: Array.isArray(cn) ? cn[0]! : cn, groups: [...groups.filter((g) => g !== 'system:authenticated'), 'system:authenticated'] };
}

export const bearerToken = (req: IncomingMessage): string | undefined => /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];

export class Authenticator {
  constructor(
    private readonly staticTokens: string[],
    private readonly rest: Rest,
    private readonly jwt?: ServiceAccountJwt,
    private readonly nodeToken?: string,
  ) {}

  async authenticate(req: IncomingMessage): Promise<UserInfo | undefined> {
    const cert = certificateUser(req.socket as TLSSocket);
    if (cert) return cert;
    if (hasBearer(req, this.staticTokens)) return ADMIN;
    if (this.nodeToken && hasBearer(req, [this.nodeToken])) return NODE_TOKEN_USER;
    const token = bearerToken(req);
    if (!token) return undefined;
    const id = bootstrapTokenId(token);
    return id ? bootstrapTokenUser(token, await this.secret('kube-system', bootstrapSecretName(id)), Date.now()) : this.reviewToken(token);
  }

  /** The user a ServiceAccount token stands for, if it is valid now (TokenReview's answer). */
  async reviewToken(token: string, audiences?: string[]): Promise<UserInfo | undefined> {
    if (!this.jwt) return undefined;
    const claims = this.jwt.verify(token, Math.floor(Date.now() / 1000), audiences?.length ? audiences : [this.jwt.issuer]);
    if (!claims || !(await this.stillBound(claims))) return undefined;
    const { namespace, serviceAccount, boundObject } = claims;
    return {
      username: serviceAccountUser(namespace, serviceAccount.name),
      uid: serviceAccount.uid,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
      ...(boundObject?.kind === 'Pod'
        ? { extra: { 'authentication.kubernetes.io/pod-name': [boundObject.name], 'authentication.kubernetes.io/pod-uid': [boundObject.uid] } }
        : {}),
    };
  }

  private secret(namespace: string, name: string): Promise<KubeObject | undefined> {
    return this.rest.get(this.rest.registry.lookup('', 'v1', 'secrets')!, namespace, name).catch(() => undefined);
  }

  private async stillBound(c: TokenClaims): Promise<boolean> {
    const uidOf = async (resource: string, namespace: string, name: string): Promise<string | undefined> => {
      const r = this.rest.registry.lookup('', 'v1', resource)!;
      return this.rest.get(r, namespace, name).then(
        (o) => o.metadata.uid,
        () => undefined,
      );
    };
    if ((await uidOf('serviceaccounts', c.namespace, c.serviceAccount.name)) !== c.serviceAccount.uid) return false;
    const b = c.boundObject;
    if (b?.kind === 'Pod' || b?.kind === 'Secret') return (await uidOf(b.kind === 'Pod' ? 'pods' : 'secrets', c.namespace, b.name)) === b.uid;
    return true;
  }
}
