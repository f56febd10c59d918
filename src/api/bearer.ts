// Bearer-token authentication, shared by the API server and the agents' kubelet port.

import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';

/** Whether the request carries `Authorization: Bearer T` for one of `tokens` (compared in
 *  constant time). */
export function hasBearer(req: IncomingMessage, tokens: string[]): boolean {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return false;
  const given = Buffer.from(m[1]);
  return tokens.some((t) => {
    const want = Buffer.from(t);
    return want.length === given.length && timingSafeEqual(want, given);
  });
}
