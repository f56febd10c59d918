import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { storeContract } from '../../../test/store/contract.js';
import { openSqliteStore } from '../sqlite/sqlite-store.js';
import { EncryptingStore } from './encrypting-store.js';
import { aesTransformer, identityTransformer, TransformerChain } from './providers.js';

const key = (n = 32): Buffer => randomBytes(n);

// Every key encrypted: the wrapper must keep every promise of the Store contract.
storeContract('encrypting store over sqlite (aesgcm)', async () => {
  const inner = await openSqliteStore(':memory:', { compactIntervalMs: 0 });
  const store = new EncryptingStore(inner, [{ prefix: '', chain: new TransformerChain([aesTransformer('aesgcm', 'k', key())]) }]);
  return { store, close: () => store.close() };
});

describe('encryption providers', () => {
  for (const kind of ['aescbc', 'aesgcm'] as const) {
    for (const size of [16, 24, 32]) {
      it(`${kind} with a ${size}-byte key round-trips and hides the value`, () => {
        const t = aesTransformer(kind, 'key1', key(size));
        const stored = t.encrypt('{"data":"hunter2"}', '/registry/secrets/a/b');
        assert.match(stored, new RegExp(`^k8s:enc:${kind}:v1:key1:[A-Za-z0-9+/=]+$`));
        assert.ok(!stored.includes('hunter2'));
        assert.notEqual(stored, t.encrypt('{"data":"hunter2"}', '/registry/secrets/a/b'), 'a fresh IV or nonce each time');
        assert.equal(t.decrypt(stored.slice(t.prefix.length), '/registry/secrets/a/b'), '{"data":"hunter2"}');
      });
    }
  }

  it('refuses keys of other sizes', () => {
    assert.throws(() => aesTransformer('aescbc', 'k', key(20)), /aescbc key "k" is 20 bytes; it must be 16, 24 or 32/);
  });

  it('aesgcm binds the value to its key: moved elsewhere it does not decrypt', () => {
    const chain = new TransformerChain([aesTransformer('aesgcm', 'k', key())]);
    const stored = chain.encrypt('x', '/registry/secrets/a/b');
    assert.throws(() => chain.decrypt(stored, '/registry/secrets/a/c'), /cannot decrypt \/registry\/secrets\/a\/c with k8s:enc:aesgcm:v1:k:/);
  });

  it('the first provider writes, every one reads, and a read by another is stale', () => {
    const old = aesTransformer('aescbc', 'old', key());
    const chain = new TransformerChain([aesTransformer('aescbc', 'new', key()), old, identityTransformer]);
    assert.match(chain.encrypt('v', 'k'), /^k8s:enc:aescbc:v1:new:/);
    assert.deepEqual(chain.decrypt(chain.encrypt('v', 'k'), 'k'), { value: 'v', stale: false });
    assert.deepEqual(chain.decrypt(old.encrypt('v', 'k'), 'k'), { value: 'v', stale: true });
    assert.deepEqual(chain.decrypt('{"plain":1}', 'k'), { value: '{"plain":1}', stale: true });
  });

  it('says why a value cannot be read', () => {
    const chain = new TransformerChain([aesTransformer('aescbc', 'k', key())]);
    assert.throws(() => chain.decrypt('{"plain":1}', '/s'), /cannot decrypt \/s: it is not encrypted and identity is not a provider/);
    assert.throws(() => chain.decrypt('k8s:enc:aescbc:v1:gone:AAAA', '/s'), /written with aescbc:v1:gone, which no provider holds/);
    assert.throws(() => chain.decrypt(aesTransformer('aescbc', 'k', key()).encrypt('v', '/s'), '/s'), /cannot decrypt \/s with k8s:enc:aescbc:v1:k:/);
  });
});

describe('encrypting store', () => {
  it('encrypts only the prefixes it is given, and marks what an old key wrote', async () => {
    const inner = await openSqliteStore(':memory:', { compactIntervalMs: 0 });
    const k1 = aesTransformer('aescbc', 'k1', key());
    const rules = (first: typeof k1, ...rest: (typeof k1)[]) => [{ prefix: '/registry/secrets/', chain: new TransformerChain([first, ...rest]) }];
    const store = new EncryptingStore(inner, rules(k1));
    await store.create('/registry/secrets/ns/a', 'secret-value');
    await store.create('/registry/configmaps/ns/a', 'plain-value');
    assert.match((await inner.get('/registry/secrets/ns/a'))!.value, /^k8s:enc:aescbc:v1:k1:/);
    assert.equal((await inner.get('/registry/configmaps/ns/a'))!.value, 'plain-value');
    assert.equal((await store.get('/registry/secrets/ns/a'))!.value, 'secret-value');
    assert.deepEqual((await store.list('/registry/')).items.map((kv) => kv.value), ['plain-value', 'secret-value']);

    const rotated = new EncryptingStore(inner, rules(aesTransformer('aescbc', 'k2', key()), k1));
    const kv = (await rotated.get('/registry/secrets/ns/a'))!;
    assert.equal(kv.stale, true);
    await rotated.update(kv.key, kv.value, kv.modRevision);
    assert.match((await inner.get('/registry/secrets/ns/a'))!.value, /^k8s:enc:aescbc:v1:k2:/);
    assert.equal((await rotated.get('/registry/secrets/ns/a'))!.stale, undefined);
    await store.close();
  });
});
