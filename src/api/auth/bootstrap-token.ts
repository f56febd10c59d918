// Bootstrap tokens, as kube-apiserver's bootstrap authenticator reads them: `<id>.<secret>`
// (6 and 16 of [a-z0-9]) is valid while the Secret kube-system/bootstrap-token-<id> of type
// bootstrap.kubernetes.io/token holds that secret, allows authentication and has not expired.
// Its user is system:bootstrap:<id> in system:bootstrappers and the Secret's auth-extra-groups.

import { timingSafeEqual } from 'node:crypto';
import type { KubeObject } from '../../apis/types.js';
import type { UserInfo } from './authenticate.js';

const TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
export const BOOTSTRAP_TOKEN_TYPE = 'bootstrap.kubernetes.io/token';
const EXTRA_GROUP = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

/** The token's id, if it has a bootstrap token's form. */
export const bootstrapTokenId = (token: string): string | undefined => TOKEN.exec(token)?.[1];

export const bootstrapSecretName = (id: string): string => `bootstrap-token-${id}`;

/** The user `token` stands for, given the Secret named for its id (pure; `now` in ms). */
export function bootstrapTokenUser(token: string, secret: KubeObject | undefined, now: number): UserInfo | undefined {
  const m = TOKEN.exec(token);
  if (!m || !secret || secret.type !== BOOTSTRAP_TOKEN_TYPE || secret.metadata.deletionTimestamp) return undefined;
  const data = (secret.data ?? {}) as Record<string, string>;
  const get = (k: string): string | undefined => (data[k] === undefined ? undefined : Buffer.from(data[k], 'base64').toString('utf8'));
  const want = Buffer.from(get('token-secret') ?? '');
  const given = Buffer.from(m[2]!);
  if (want.length !== given.length || !timingSafeEqual(want, given)) return undefined;
  if ((get('token-id') ?? m[1]) !== m[1] || get('usage-bootstrap-authentication') !== 'true') return undefined;
  const expiration = get('expiration');
  if (expiration !== undefined && !(Date.parse(expiration) > now)) return undefined;
  const extra = (get('auth-extra-groups') ?? '').split(',').map((g) => g.trim()).filter(Boolean);
  if (extra.some((g) => !EXTRA_GROUP.test(g))) return undefined;
  return { username: `system:bootstrap:${m[1]}`, groups: ['system:bootstrappers', ...extra, 'system:authenticated'] };
}
