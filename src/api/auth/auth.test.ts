import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { StatusError } from '../../util/status-errors.js';
import { parseRequestInfo } from '../request-info.js';
import { authorize } from './authorize.js';
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

describe('authorize', () => {
  const sa = { username: 'system:serviceaccount:default:default', groups: [], serviceAccount: true };
  const check = (method: string, path: string): string => {
    try {
      authorize(sa, parseRequestInfo(method, path, new URLSearchParams()), method);
      return 'allowed';
    } catch (e) {
      assert.ok(e instanceof StatusError && e.code === 403);
      return e.message;
    }
  };
  const cases: [string, string, string][] = [
    ['GET', '/api/v1/namespaces/default/services', 'allowed'],
    ['GET', '/apis/apps/v1/deployments', 'allowed'],
    ['GET', '/openapi/v3', 'allowed'],
    ['POST', '/api/v1/namespaces/default/configmaps', 'configmaps is forbidden: User "system:serviceaccount:default:default" cannot create resource "configmaps" in API group "" in the namespace "default"'],
    ['DELETE', '/apis/apps/v1/namespaces/default/deployments/web', 'deployments.apps "web" is forbidden: User "system:serviceaccount:default:default" cannot delete resource "deployments" in API group "apps" in the namespace "default"'],
    ['PATCH', '/api/v1/nodes/n1', 'nodes "n1" is forbidden: User "system:serviceaccount:default:default" cannot patch resource "nodes" in API group "" at the cluster scope'],
    ['GET', '/api/v1/namespaces/default/pods/web/exec', 'pods "web" is forbidden: User "system:serviceaccount:default:default" cannot create resource "pods/exec" in API group "" in the namespace "default"'],
  ];
  for (const [method, path, want] of cases) it(`${method} ${path}`, () => assert.equal(check(method, path), want));
  it('the admin may do anything', () => authorize({ username: 'system:admin', groups: [] }, parseRequestInfo('DELETE', '/api/v1/nodes/n1', new URLSearchParams()), 'DELETE'));
});
