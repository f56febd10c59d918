// Continue tokens for paginated lists: the revision the first page was read at and the last
// key returned, so later pages read the same snapshot (as kube-apiserver's tokens do).

import { errors } from '../../util/status-errors.js';

interface Token {
  v: 'meta.k8s.io/v1';
  rv: number;
  start: string;
}

export function encodeContinue(revision: number, lastKey: string): string {
  const token: Token = { v: 'meta.k8s.io/v1', rv: revision, start: lastKey };
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

/** The token's revision and the key to continue after; 400 for a token from another list. */
export function decodeContinue(value: string, prefix: string): { revision: number; startAfter: string } {
  let token: Partial<Token>;
  try {
    token = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<Token>;
  } catch {
    throw errors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
  if (token.v !== 'meta.k8s.io/v1' || typeof token.rv !== 'number' || typeof token.start !== 'string' || !token.start.startsWith(prefix)) {
    throw errors.badRequest('continue key is not valid: the continue token does not belong to this list');
  }
  return { revision: token.rv, startAfter: token.start };
}
