import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { configMaps, type ConfigMap } from './configmaps.js';
import { secrets, type Secret } from './secrets.js';
import { isConfigMapKey } from './config-data.js';

const NOW = new Date('2024-01-02T00:00:00Z');
const meta = { name: 'x', namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' };
const msgs = (errs: { field: string; message: string }[]): string[] => errs.map((e) => `${e.field}: ${e.message}`);
const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('config keys (IsConfigMapKey)', () => {
  const cases: { key: string; want: string[] }[] = [
    { key: 'app.properties', want: [] },
    { key: '.hidden', want: [] },
    { key: '.', want: ["must not be '.'"] },
    { key: '..', want: ["must not be '..'"] },
    { key: '..data', want: ["must not start with '..'"] },
    { key: 'a'.repeat(254), want: ['must be no more than 253 characters'] },
  ];
  for (const c of cases) it(c.key.slice(0, 20), () => assert.deepEqual(isConfigMapKey(c.key), c.want));
  it('a slash fails the regex', () => assert.match(isConfigMapKey('a/b')[0], /^a valid config key must consist of/));
});

describe('configmaps', () => {
  it('prints NAME, DATA (data + binaryData), AGE', () => {
    const cm: ConfigMap = { metadata: meta, data: { a: '1' }, binaryData: { b: b64('x') } };
    assert.deepEqual(configMaps.row(cm, NOW), ['x', 2, '24h']);
    assert.deepEqual(configMaps.validate!(cm), []);
  });
  it('refuses duplicate keys and more than 1 MiB', () => {
    const cm: ConfigMap = { metadata: meta, data: { a: 'y'.repeat(1024 * 1024) }, binaryData: { a: b64('x') } };
    assert.deepEqual(msgs(configMaps.validate!(cm)), [
      'binaryData[a]: Invalid value: "a": duplicate of key present in data',
      '[]: Too long: may not be more than 1048576 bytes',
    ]);
  });
  it('an immutable one keeps its data and flag', () => {
    const old: ConfigMap = { metadata: meta, data: { a: '1' }, immutable: true };
    assert.deepEqual(configMaps.validate!({ ...old, metadata: meta }, old), []);
    assert.deepEqual(msgs(configMaps.validate!({ metadata: meta, data: { a: '2' } }, old)), [
      'immutable: Forbidden: field is immutable when `immutable` is set',
      'data: Forbidden: field is immutable when `immutable` is set',
    ]);
  });
});

describe('secrets', () => {
  it('folds stringData into data and defaults the type', () => {
    const s: Secret = { metadata: meta, data: { a: b64('old') }, stringData: { a: 'new', b: 'two' } };
    secrets.defaults!(s);
    assert.deepEqual(s, { metadata: meta, data: { a: b64('new'), b: b64('two') }, type: 'Opaque' });
    assert.deepEqual(secrets.row(s, NOW), ['x', 'Opaque', 2, '24h']);
  });
  const typed: { name: string; s: Omit<Secret, 'metadata'>; want: string[] }[] = [
    { name: 'tls without a key', s: { type: 'kubernetes.io/tls', data: { 'tls.crt': b64('c') } }, want: ['data[tls.key]: Required value'] },
    { name: 'basic-auth with a password only', s: { type: 'kubernetes.io/basic-auth', data: { password: b64('p') } }, want: [] },
    { name: 'basic-auth with neither', s: { type: 'kubernetes.io/basic-auth', data: {} }, want: ['data[username]: Required value', 'data[password]: Required value'] },
    {
      name: 'dockerconfigjson that is not JSON',
      s: { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{') } },
      want: [`data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": ${jsonError('{')}`],
    },
    {
      name: 'a service-account token names its account',
      s: { type: 'kubernetes.io/service-account-token' },
      want: ['metadata.annotations[kubernetes.io/service-account.name]: Required value'],
    },
    { name: 'more than 1 MiB', s: { type: 'Opaque', data: { a: b64('z'.repeat(1024 * 1024 + 1)) } }, want: ['data: Too long: may not be more than 1048576 bytes'] },
  ];
  for (const c of typed) it(c.name, () => assert.deepEqual(msgs(secrets.validate!({ metadata: meta, ...c.s })), c.want));
  it('the type is immutable', () => {
    const old: Secret = { metadata: meta, type: 'Opaque' };
    assert.deepEqual(msgs(secrets.validate!({ metadata: meta, type: 'kubernetes.io/ssh-auth', data: { 'ssh-privatekey': b64('k') } }, old)), [
      'type: Invalid value: "kubernetes.io/ssh-auth": field is immutable',
    ]);
  });
});

function jsonError(text: string): string {
  try {
    JSON.parse(text);
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}
