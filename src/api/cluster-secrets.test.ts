import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import { CLUSTER_SECRETS_KEY, shareClusterSecrets } from './cluster-secrets.js';
import { ensureTls } from './tls.js';
import { X509Certificate } from 'node:crypto';

describe('shareClusterSecrets', () => {
  it('servers starting at once on one store end up with one CA and one pair of tokens', async () => {
    const store = await openSqliteStore(':memory:', { compactIntervalMs: 0 });
    const dirs = [0, 1, 2].map(() => mkdtempSync(join(tmpdir(), 'tk-secrets-')));
    try {
      const got = await Promise.all(dirs.map((d) => shareClusterSecrets(store, d)));
      for (const g of got) assert.deepEqual(g, got[0]);
      assert.notEqual(got[0].adminToken, got[0].nodeToken);
      for (const d of dirs) {
        assert.equal(readFileSync(join(d, 'tls', 'ca.crt'), 'utf8'), got[0].caCert);
        assert.equal(readFileSync(join(d, 'node-token'), 'utf8').trim(), got[0].nodeToken);
        assert.equal(readFileSync(join(d, 'token'), 'utf8').trim(), got[0].adminToken);
      }
    } finally {
      await store.close();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  });

  it('the first server offers what its data dir has; a joining server re-issues its serving certificate', async () => {
    const store = await openSqliteStore(':memory:', { compactIntervalMs: 0 });
    const first = mkdtempSync(join(tmpdir(), 'tk-secrets-'));
    const joining = mkdtempSync(join(tmpdir(), 'tk-secrets-'));
    try {
      const names = { ips: ['127.0.0.1'], dnsNames: ['localhost'] };
      await ensureTls(first, names);
      writeFileSync(join(first, 'token'), 'admin-from-before\n');
      const own = readFileSync(join(first, 'tls', 'ca.crt'), 'utf8');
      const s = await shareClusterSecrets(store, first);
      assert.equal(s.caCert, own);
      assert.equal(s.adminToken, 'admin-from-before');
      assert.ok(await store.get(CLUSTER_SECRETS_KEY));

      // The joining server had a CA of its own: the cluster's replaces it, and the serving
      // certificate signed by the old one is issued again.
      mkdirSync(join(joining, 'tls'), { recursive: true });
      const stale = await ensureTls(joining, names);
      await shareClusterSecrets(store, joining);
      const fresh = await ensureTls(joining, names);
      assert.equal(fresh.caCert, own);
      assert.notEqual(fresh.cert, stale.cert);
      assert.ok(new X509Certificate(fresh.cert).verify(new X509Certificate(own).publicKey));
    } finally {
      await store.close();
      for (const d of [first, joining]) rmSync(d, { recursive: true, force: true });
    }
  });
});
