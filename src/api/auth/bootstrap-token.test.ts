import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bootstrapTokenUser } from './bootstrap-token.js';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const TOKEN = 'abcdef.0123456789abcdef';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const secret = (data: Record<string, string>, extra: object = {}) => ({
  metadata: { name: 'bootstrap-token-abcdef', namespace: 'kube-system' },
  type: 'bootstrap.kubernetes.io/token',
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
  ...extra,
});
const VALID = { 'token-id': 'abcdef', 'token-secret': '0123456789abcdef', 'usage-bootstrap-authentication': 'true' };

describe('bootstrap tokens', () => {
  it('a valid token is system:bootstrap:<id> in system:bootstrappers and its extra groups', () => {
    assert.deepEqual(bootstrapTokenUser(TOKEN, secret(VALID), NOW), { username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:authenticated'] });
    assert.deepEqual(bootstrapTokenUser(TOKEN, secret({ ...VALID, 'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token' }), NOW)?.groups, [
      'system:bootstrappers',
      'system:bootstrappers:kubeadm:default-node-token',
      'system:authenticated',
    ]);
  });

  const refused: [string, string, object | undefined][] = [
    ['no Secret', TOKEN, undefined],
    ['another secret', 'abcdef.0123456789abcdee', secret(VALID)],
    ['not a bootstrap token form', 'abcdef.0123', secret(VALID)],
    ['another Secret type', TOKEN, secret(VALID, { type: 'Opaque' })],
    ['not for authentication', TOKEN, secret({ ...VALID, 'usage-bootstrap-authentication': 'false' })],
    ['expired', TOKEN, secret({ ...VALID, expiration: '2026-05-31T23:59:59Z' })],
    ['being deleted', TOKEN, secret(VALID, { metadata: { name: 'bootstrap-token-abcdef', deletionTimestamp: '2026-05-01T00:00:00Z' } })],
    ['an extra group outside system:bootstrappers:', TOKEN, secret({ ...VALID, 'auth-extra-groups': 'system:masters' })],
    ['another token id', TOKEN, secret({ ...VALID, 'token-id': 'zzzzzz' })],
  ];
  for (const [name, token, s] of refused) it(`refuses: ${name}`, () => assert.equal(bootstrapTokenUser(token, s as never, NOW), undefined));

  it('an expiration still ahead is fine', () => {
    assert.ok(bootstrapTokenUser(TOKEN, secret({ ...VALID, expiration: '2026-06-02T00:00:00Z' }), NOW));
  });
});
