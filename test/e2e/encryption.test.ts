// Encryption at rest (--encryption-provider-config): Secrets and the cluster's own CA key and
// tokens are ciphertext in the SQLite file and in etcd (read with sqlite3 and etcd's own JSON
// gateway, not through tinykube), key rotation by `kubectl replace`, and `tinykube migrate`
// copying the ciphertext into etcd, where the same data dir reads it again.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Tinykube, BIN } from './harness.js';
import { startEtcd, type EtcdCluster } from '../store/etcd-process.js';

const KEY1 = randomBytes(32).toString('base64');
const KEY2 = randomBytes(32).toString('base64');
const PLAIN = 'tinykube-plaintext-canary';

const config = (providers: string): string =>
  `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers:\n${providers}`;
const aescbc = (...keys: [string, string][]): string =>
  `      - aescbc:\n          keys:\n${keys.map(([n, s]) => `            - name: ${n}\n              secret: ${s}\n`).join('')}`;
const IDENTITY = '      - identity: {}\n';

/** Every row of the SQLite store as sqlite3 prints it (key|value). */
function sqliteRows(dataDir: string): Map<string, string> {
  const r = spawnSync('sqlite3', [join(dataDir, 'state.db'), "SELECT name, value FROM log WHERE id IN (SELECT id FROM current)"], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return new Map(r.stdout.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('|')), l.slice(l.indexOf('|') + 1)]));
}

/** A key's value as etcd's gRPC gateway returns it. */
function etcdValue(endpoint: string, key: string): string {
  const r = spawnSync('curl', ['-s', '-m', '10', '-X', 'POST', `${endpoint}/v3/kv/range`, '-d', JSON.stringify({ key: Buffer.from(key).toString('base64') })], { encoding: 'utf8' });
  const kvs = (JSON.parse(r.stdout) as { kvs?: { value: string }[] }).kvs;
  assert.ok(kvs?.length, `etcd has ${key}`);
  return Buffer.from(kvs[0]!.value, 'base64').toString('utf8');
}

describe('encryption at rest', () => {
  let t: Tinykube;
  let etcd: EtcdCluster;
  let dir: string;
  before(async () => {
    etcd = await startEtcd();
    dir = mkdtempSync(join(tmpdir(), 'tinykube-enc-'));
  });
  after(async () => {
    await t?.destroy();
    await etcd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to start with a configuration it cannot use', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, config('      - aescbc:\n          keys:\n            - name: short\n              secret: c2hvcnQ=\n'));
    const r = spawnSync(process.execPath, [BIN, 'up', '--data-dir', join(dir, 'bad'), '--network', 'loopback', '--api-port', '0', '--encryption-provider-config', bad], { encoding: 'utf8', timeout: 30_000 });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /--encryption-provider-config .*bad.yaml: aescbc key "short" is 5 bytes; it must be 16, 24 or 32/);
  });

  it('keeps Secrets and the cluster secrets as ciphertext, rotates keys by rewriting, and migrates them to etcd encrypted', async () => {
    const configFile = join(dir, 'encryption.yaml');
    writeFileSync(configFile, config(aescbc(['key1', KEY1]) + IDENTITY));
    t = await Tinykube.start(['--disable', 'node,proxy,dns', '--encryption-provider-config', configFile], dir);
    t.k(['create', 'secret', 'generic', 's1', `--from-literal=password=${PLAIN}`]);
    t.k(['create', 'configmap', 'c1', `--from-literal=note=${PLAIN}`]);
    assert.equal(Buffer.from(t.k('get secret s1 -o jsonpath={.data.password}'), 'base64').toString(), PLAIN);

    await t.down();
    const token = readFileSync(join(dir, 'token'), 'utf8').trim();
    let rows = sqliteRows(dir);
    assert.match(rows.get('/registry/secrets/default/s1')!, /^k8s:enc:aescbc:v1:key1:[A-Za-z0-9+/=]+$/);
    assert.match(rows.get('/registry/tinykube/cluster-secrets')!, /^k8s:enc:aescbc:v1:key1:/);
    assert.match(rows.get('/registry/configmaps/default/c1')!, new RegExp(PLAIN), 'ConfigMaps are not in the config: plain');
    const everything = [...rows.values()].join('\n');
    for (const secret of [Buffer.from(PLAIN).toString('base64'), token, 'PRIVATE KEY']) assert.ok(!everything.includes(secret), `no ${secret} in the store`);

    // Rotation: key2 first, key1 still readable; rewriting every Secret moves it to key2.
    writeFileSync(configFile, config(aescbc(['key2', KEY2], ['key1', KEY1]) + IDENTITY));
    await t.up();
    const all = t.k('get secrets -A -o json');
    // --validate=false: kubectl validates a List client-side with /openapi/v2, which tinykube does not serve.
    assert.match(t.k(['replace', '--validate=false', '-f', '-'], all), /secret\/s1 replaced/);
    await t.down();
    rows = sqliteRows(dir);
    assert.match(rows.get('/registry/secrets/default/s1')!, /^k8s:enc:aescbc:v1:key2:/);
    assert.match(rows.get('/registry/tinykube/cluster-secrets')!, /^k8s:enc:aescbc:v1:key2:/, 'rewritten at start');

    // Without key1 everything still reads: nothing is left under it.
    writeFileSync(configFile, config(aescbc(['key2', KEY2])));
    await t.up();
    assert.equal(Buffer.from(t.k('get secret s1 -o jsonpath={.data.password}'), 'base64').toString(), PLAIN);
    await t.down();

    // migrate copies the ciphertext: etcd holds no plaintext, and the data dir reads it there.
    const endpoint = etcd.endpoints[0]!;
    const m = spawnSync(process.execPath, [BIN, 'migrate', '--from', dir, '--to', endpoint], { encoding: 'utf8' });
    assert.equal(m.status, 0, m.stderr);
    assert.match(etcdValue(endpoint, '/tinykube/registry/secrets/default/s1'), /^k8s:enc:aescbc:v1:key2:/);
    assert.match(etcdValue(endpoint, '/tinykube/registry/tinykube/cluster-secrets'), /^k8s:enc:aescbc:v1:key2:/);
    t = await Tinykube.start(['--disable', 'node,proxy,dns', '--encryption-provider-config', configFile, '--datastore-endpoint', endpoint], dir);
    assert.equal(Buffer.from(t.k('get secret s1 -o jsonpath={.data.password}'), 'base64').toString(), PLAIN);
    t.k(['create', 'secret', 'generic', 's2', `--from-literal=password=${PLAIN}`]);
    const s2 = etcdValue(endpoint, '/tinykube/registry/secrets/default/s2');
    assert.match(s2, /^k8s:enc:aescbc:v1:key2:/);
    assert.ok(!s2.includes(Buffer.from(PLAIN).toString('base64')));
  });
});
