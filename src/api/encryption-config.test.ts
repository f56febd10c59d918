import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encryptionRules } from './encryption-config.js';
import { defaultRegistry } from './registry.js';

const KEY = Buffer.alloc(32, 1).toString('base64');
const aescbc = { aescbc: { keys: [{ name: 'k', secret: KEY }] } };
const config = (resources: unknown[]) => ({ apiVersion: 'apiserver.config.k8s.io/v1', kind: 'EncryptionConfiguration', resources });
const prefixes = (resources: unknown[]): string[] => encryptionRules(config(resources) as never, defaultRegistry().resources).map((r) => r.prefix).sort();

describe('EncryptionConfiguration', () => {
  const cases: { name: string; resources: unknown[]; want: (p: string[]) => void }[] = [
    { name: 'secrets, and with them the cluster secrets', resources: [{ resources: ['secrets'], providers: [aescbc] }], want: (p) => assert.deepEqual(p, ['/registry/secrets/', '/registry/tinykube/cluster-secrets']) },
    { name: 'a group resource', resources: [{ resources: ['deployments.apps'], providers: [aescbc] }], want: (p) => assert.deepEqual(p, ['/registry/deployments/']) },
    { name: '*. is the core group', resources: [{ resources: ['*.'], providers: [aescbc] }], want: (p) => (assert.ok(p.includes('/registry/minions/')), assert.ok(!p.includes('/registry/deployments/'))) },
    { name: '*.* is everything', resources: [{ resources: ['*.*'], providers: [aescbc] }], want: (p) => assert.equal(p.length, defaultRegistry().resources.length + 1) },
    {
      name: 'a resource belongs to the first entry naming it',
      resources: [{ resources: ['configmaps'], providers: [{ identity: {} }] }, { resources: ['*.'], providers: [aescbc] }],
      want: (p) => assert.equal(p.filter((x) => x === '/registry/configmaps/').length, 1),
    },
  ];
  for (const c of cases) it(c.name, () => c.want(prefixes(c.resources)));

  it('says what is wrong', () => {
    assert.throws(() => encryptionRules({ kind: 'Policy' } as never, []), /not an apiserver.config.k8s.io\/v1 EncryptionConfiguration/);
    assert.throws(() => prefixes([{ resources: ['secrets'], providers: [{ secretbox: { keys: [] } }] }]), /resources\[0\].providers\[0\]: provider "secretbox" is not supported/);
    assert.throws(() => prefixes([{ resources: ['secrets'], providers: [{ aescbc: { keys: [] } }] }]), /aescbc.keys: at least one key is required/);
    assert.throws(() => prefixes([{ resources: ['secrets'], providers: [] }]), /at least one provider/);
  });
});
