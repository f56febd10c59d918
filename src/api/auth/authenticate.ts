// Who a request is: the cluster's static bearer tokens (admin, nodes) are trusted as they are;
// a ServiceAccount token is a JWT this cluster signed whose ServiceAccount, and the pod it is
// bound to, still exist with the uids it names (kube-apiserver's bound-token validation).

import type { IncomingMessage } from 'node:http';
import type { Rest } from '../rest/rest.js';
import { hasBearer } from '../bearer.js';
import { serviceAccountUser, type ServiceAccountJwt, type TokenClaims } from './service-account-jwt.js';

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

const ADMIN: UserInfo = { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] };

export const bearerToken = (req: IncomingMessage): string | undefined => /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];

export class Authenticator {
  constructor(
    private readonly staticTokens: string[],
    private readonly rest: Rest,
    private readonly jwt?: ServiceAccountJwt,
  ) {}

  async authenticate(req: IncomingMessage): Promise<UserInfo | undefined> {
    if (hasBearer(req, this.staticTokens)) return ADMIN;
    const token = bearerToken(req);
    return token ? this.reviewToken(token) : undefined;
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
