// A bearer token read from a file that someone else rewrites: a pod's projected ServiceAccount
// token, which the kubelet replaces before it expires. As client-go's cachingTokenSource, the
// file is read again at most once a minute, and a failed read keeps the token last read (the
// kubelet swaps the file atomically, but a missing or empty file must not log the client out).

import { readFileSync } from 'node:fs';
import { realClock, type Clock } from '../util/clock.js';

/** client-go's period for re-reading a token file. */
export const TOKEN_FILE_REREAD_MS = 60_000;

/** Returns the token now; throws only if the file was never readable. */
export function tokenFromFile(path: string, clock: Clock = realClock): () => string {
  let token = '';
  let readAt = -Infinity;
  return () => {
    const now = clock.now();
    if (now - readAt < TOKEN_FILE_REREAD_MS) return token;
    try {
      const read = readFileSync(path, 'utf8').trim();
      if (read) token = read;
    } catch (err) {
      if (!token) throw err;
    }
    if (!token) throw new Error(`the token file ${path} is empty`);
    readAt = now;
    return token;
  };
}
