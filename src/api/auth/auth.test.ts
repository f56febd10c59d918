import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { ServiceAccountJwt, type TokenClaims } from './service-account-jwt.js';

const pem = (): string => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

describe('ServiceAccountJwt', () => {
  const jwt = new ServiceAccountJwt(pem());
  const claims: TokenClaims = {
    namespace: 'ns1',
    serviceAccount: { name: 'default', uid: 'sa-uid' },
    boundObject: { kind: 'Pod', name: 'web', uid: 'pod-uid' },
    audiences: [jwt.issuer],
    issuedAt: 1000,
    expiresAt: 4600,
  };
  const token = jwt.sign(claims);
  it('verifies what it signed, within its lifetime and audience', () => assert.deepEqual(jwt.verify(token, 2000, [jwt.issuer]), claims));
  const refused: [string, () => TokenClaims | undefined][] = [
    ['expired', () => jwt.verify(token, 4600, [jwt.issuer])],
    ['not yet valid', () => jwt.verify(token, 999, [jwt.issuer])],
    ['another audience', () => jwt.verify(token, 2000, ['vault'])],
    ['another key', () => new ServiceAccountJwt(pem()).verify(token, 2000, [jwt.issuer])],
    ['a changed payload', () => jwt.verify(token.replace(/\.[^.]+\./, `.${Buffer.from('{"iss":"x"}').toString('base64url')}.`), 2000, [jwt.issuer])],
    ['not a JWT', () => jwt.verify('0123abcd', 2000, [jwt.issuer])],
  ];
  for (const [name, verify] of refused) it(`refuses ${name}`, () => assert.equal(verify(), undefined));
});
