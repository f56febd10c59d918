// Value transformers for encryption at rest, as kube-apiserver's storage/value/encrypt: a
// stored value is `k8s:enc:<provider>:v1:<key name>:` followed by the ciphertext. Our Store
// holds text (values are JSON), so the ciphertext is base64 where upstream writes raw bytes.
//   aescbc: AES-CBC, PKCS#7 padding, a random 16-byte IV before the ciphertext.
//   aesgcm: AES-GCM, a random 12-byte nonce before the ciphertext and its 16-byte tag; the
//           storage key is the additional authenticated data (a value moved to another key
//           does not decrypt), as upstream does.
// secretbox (XSalsa20-Poly1305) is not offered: Node's crypto has no XSalsa20.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const ENCRYPTED_PREFIX = 'k8s:enc:';

export interface ValueTransformer {
  /** The stored form's prefix (empty for identity). */
  readonly prefix: string;
  encrypt(plain: string, key: string): string;
  /** `stored` without the prefix. */
  decrypt(body: string, key: string): string;
}

export type ProviderKind = 'aescbc' | 'aesgcm';
const KEY_SIZES = new Set([16, 24, 32]);

export const identityTransformer: ValueTransformer = {
  prefix: '',
  encrypt: (plain) => plain,
  decrypt: (body) => body,
};

/** An AES provider's transformer for one named key (16, 24 or 32 bytes). */
export function aesTransformer(kind: ProviderKind, name: string, secret: Buffer): ValueTransformer {
  if (!KEY_SIZES.has(secret.length)) throw new Error(`${kind} key "${name}" is ${secret.length} bytes; it must be 16, 24 or 32`);
  const algorithm = `aes-${secret.length * 8}-${kind === 'aescbc' ? 'cbc' : 'gcm'}`;
  const prefix = `${ENCRYPTED_PREFIX}${kind}:v1:${name}:`;
  if (kind === 'aescbc') {
    return {
      prefix,
      encrypt: (plain) => {
        const iv = randomBytes(16);
        const c = createCipheriv(algorithm, secret, iv);
        return prefix + Buffer.concat([iv, c.update(plain, 'utf8'), c.final()]).toString('base64');
      },
      decrypt: (body) => {
        const raw = Buffer.from(body, 'base64');
        if (raw.length < 32 || raw.length % 16) throw new Error('the aescbc ciphertext is not whole blocks');
        const d = createDecipheriv(algorithm, secret, raw.subarray(0, 16));
        return Buffer.concat([d.update(raw.subarray(16)), d.final()]).toString('utf8');
      },
    };
  }
  return {
    prefix,
    encrypt: (plain, key) => {
      const nonce = randomBytes(12);
      const c = createCipheriv(algorithm, secret, nonce) as import('node:crypto').CipherGCM;
      c.setAAD(Buffer.from(key));
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return prefix + Buffer.concat([nonce, body, c.getAuthTag()]).toString('base64');
    },
    decrypt: (body, key) => {
      const raw = Buffer.from(body, 'base64');
      if (raw.length < 28) throw new Error('the aesgcm ciphertext is too short');
      const d = createDecipheriv(algorithm, secret, raw.subarray(0, 12)) as import('node:crypto').DecipherGCM;
      d.setAAD(Buffer.from(key));
      d.setAuthTag(raw.subarray(raw.length - 16));
      return Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]).toString('utf8');
    },
  };
}

/** The providers of one resource, in order: the first writes, any reads what it wrote. */
export class TransformerChain {
  constructor(private readonly transformers: ValueTransformer[]) {
    if (!transformers.length) throw new Error('a resource needs at least one provider');
  }

  encrypt(plain: string, key: string): string {
    return this.transformers[0]!.encrypt(plain, key);
  }

  /** The plain value, and whether it was written by another than the first provider (a write
   *  should rewrite it: key rotation). Identity reads only what carries no `k8s:enc:` prefix. */
  decrypt(stored: string, key: string): { value: string; stale: boolean } {
    const i = this.transformers.findIndex((t) => (t.prefix ? stored.startsWith(t.prefix) : !stored.startsWith(ENCRYPTED_PREFIX)));
    if (i < 0) {
      const what = stored.startsWith(ENCRYPTED_PREFIX) ? `it was written with ${stored.split(':').slice(2, 5).join(':')}, which no provider holds` : 'it is not encrypted and identity is not a provider';
      throw new Error(`cannot decrypt ${key}: ${what}`);
    }
    const t = this.transformers[i]!;
    try {
      return { value: t.decrypt(stored.slice(t.prefix.length), key), stale: i > 0 };
    } catch (e) {
      throw new Error(`cannot decrypt ${key} with ${t.prefix || 'identity'}: ${(e as Error).message}`);
    }
  }
}
