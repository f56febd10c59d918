import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type EtcdCluster, startEtcd } from '../../test/store/etcd-process.js';
import { openEtcdStore } from './etcd/etcd-store.js';
import { migrateStore } from './migrate.js';
import { openSqliteStore, type SqliteStore } from './sqlite/sqlite-store.js';
import { type Store, StoreError } from './store.js';

const quiet = { warn: () => {}, error: () => {} };

describe('migrateStore: SQLite into etcd', () => {
  let etcd: EtcdCluster;
  let dir: string;
  let source: SqliteStore;
  const targets: Store[] = [];
  const target = async (prefix = `/tinykube-${randomUUID()}`) => {
    const s = await openEtcdStore(etcd.endpoints, { prefix, logger: quiet, compactIntervalMs: 0 });
    targets.push(s);
    return s;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tinykube-migrate-'));
    etcd = await startEtcd();
    source = await openSqliteStore(join(dir, 'state.db'), { compactIntervalMs: 0, logger: quiet });
    for (let i = 0; i < 40; i++) await source.create(`/registry/configmaps/default/cm-${String(i).padStart(2, '0')}`, JSON.stringify({ i }));
    const kv = await source.get('/registry/configmaps/default/cm-03');
    await source.update(kv!.key, '{"i":3,"updated":"ünïcødé ✓"}', kv!.modRevision);
    await source.delete('/registry/configmaps/default/cm-04');
    await source.create('/registry/tinykube/ipaddresses/127.96.0.7', '{"namespace":"default","name":"web","since":"2026-01-01T00:00:00.000Z"}');
  });
  after(async () => {
    await Promise.all(targets.map((s) => s.close()));
    await source?.close();
    await etcd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies every live key byte for byte, in pages, at the revisions of the target', async () => {
    const to = await target();
    const result = await migrateStore(source, to, { pageSize: 7, concurrency: 4 });
    const want = (await source.list('')).items;
    const got = (await to.list('')).items;
    assert.equal(result.keys, 40);
    assert.equal(result.sourceRevision, await source.currentRevision());
    assert.deepEqual(got.map((kv) => [kv.key, kv.value]), want.map((kv) => [kv.key, kv.value]));
    assert.ok(got.every((kv) => kv.createRevision === kv.modRevision && kv.modRevision <= result.targetRevision));
  });

  it('refuses a target that holds keys, writing nothing', async () => {
    const prefix = `/tinykube-${randomUUID()}`;
    const to = await target(prefix);
    await to.create('/registry/namespaces/default', '{}');
    const revision = await to.currentRevision();
    await assert.rejects(migrateStore(source, to), (err: unknown) => {
      assert.ok(err instanceof StoreError && err.code === 'exists');
      assert.match(err.message, /not empty: it holds 1 key\(s\), first \/registry\/namespaces\/default/);
      return true;
    });
    assert.equal(await to.currentRevision(), revision);
    assert.equal(await to.count(''), 1);
  });

  it('a copy that fails midway deletes what it wrote', async () => {
    const to = await target();
    // Another writer takes a key the copy has not reached yet, once the first page is written.
    let pagesRead = 0;
    const racing: Store = Object.create(source, {
      list: {
        value: async (...args: Parameters<Store['list']>) => {
          if (pagesRead++ === 1) await to.create('/registry/configmaps/default/cm-39', 'theirs');
          return source.list(...args);
        },
      },
    });
    await assert.rejects(migrateStore(racing, to, { pageSize: 10 }), /migration failed after \d+ key\(s\): .*already exists; the keys written were deleted again/);
    assert.deepEqual((await to.list('')).items.map((kv) => [kv.key, kv.value]), [['/registry/configmaps/default/cm-39', 'theirs']]);
  });
});
