// Bound ServiceAccount tokens as kube-apiserver issues them: a JWT (ES256, signed with the
// cluster's key, which every server shares) whose private claims name the namespace, the
// ServiceAccount and the object it is bound to (pkg/serviceaccount/claims.go). Pure apart from
// the signature.

import { createPrivateKey, createPublicKey, randomUUID, sign, verify, type KeyObject } from 'node:crypto';

/** The issuer and default audience, as kubeadm and k3s configure them. */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

export interface BoundObject {
  kind: 'Pod' | 'Secret' | 'Node';
  name: string;
  uid: string;
}

export interface TokenClaims {
  namespace: string;
  serviceAccount: { name: string; uid: string };
  boundObject?: BoundObject;
  audiences: string[];
  /** Seconds since the epoch. */
  issuedAt: number;
  expiresAt: number;
}

interface JwtPayload {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': {
    namespace: string;
    serviceaccount: { name: string; uid: string };
    pod?: { name: string; uid: string };
    secret?: { name: string; uid: string };
    node?: { name: string; uid: string };
  };
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/** `system:serviceaccount:NS:NAME`, the user a token authenticates as. */
export const serviceAccountUser = (namespace: string, name: string): string => `system:serviceaccount:${namespace}:${name}`;

export class ServiceAccountJwt {
  private readonly key: KeyObject;
  private readonly publicKey: KeyObject;

  constructor(signingKeyPem: string, readonly issuer = DEFAULT_ISSUER) {
    this.key = createPrivateKey(signingKeyPem);
    this.publicKey = createPublicKey(this.key);
  }

  sign(c: TokenClaims): string {
    const bound = c.boundObject ? { [c.boundObject.kind.toLowerCase()]: { name: c.boundObject.name, uid: c.boundObject.uid } } : {};
    const payload: JwtPayload = {
      iss: this.issuer,
      sub: serviceAccountUser(c.namespace, c.serviceAccount.name),
      aud: c.audiences,
      exp: c.expiresAt,
      iat: c.issuedAt,
      nbf: c.issuedAt,
      jti: randomUUID(),
      'kubernetes.io': { namespace: c.namespace, serviceaccount: c.serviceAccount, ...bound },
    };
    const signed = `${b64url(JSON.stringify({ alg: 'ES256', typ: 'JWT' }))}.${b64url(JSON.stringify(payload))}`;
    const sig = sign('sha256', Buffer.from(signed), { key: this.key, dsaEncoding: 'ieee-p1363' });
    return `${signed}.${b64url(sig)}`;
  }

  /** The claims of a token this cluster signed that is valid now for one of `audiences`;
   *  undefined for anything else (another issuer, expired, tampered, not a JWT). */
  verify(token: string, nowSeconds: number, audiences: string[]): TokenClaims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    let payload: JwtPayload;
    try {
      const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as { alg?: string };
      if (header.alg !== 'ES256') return undefined;
      const sig = Buffer.from(parts[2], 'base64url');
      if (!verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key: this.publicKey, dsaEncoding: 'ieee-p1363' }, sig)) return undefined;
      payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as JwtPayload;
    } catch {
      return undefined;
    }
    const k = payload['kubernetes.io'];
    if (payload.iss !== this.issuer || !k?.serviceaccount) return undefined;
    if (nowSeconds >= payload.exp || nowSeconds < payload.nbf) return undefined;
    if (!payload.aud?.some((a) => audiences.includes(a))) return undefined;
    const boundKind = (['pod', 'secret', 'node'] as const).find((kind) => k[kind]);
    return {
      namespace: k.namespace,
      serviceAccount: k.serviceaccount,
      ...(boundKind ? { boundObject: { kind: `${boundKind[0].toUpperCase()}${boundKind.slice(1)}` as BoundObject['kind'], ...k[boundKind]! } } : {}),
      audiences: payload.aud,
      issuedAt: payload.iat,
      expiresAt: payload.exp,
    };
  }
}
