import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { storeContract } from '../../../test/store/contract.js';
import type { StoreError, WatchEvent } from '../store.js';
import { openSqliteStore, type SqliteStore } from './sqlite-store.js';
import { eventually } from '../../../test/support/eventually.js';

const quiet = { warn: () => {}, error: () => {} };

/** Counts the store's commits through its COMMIT statement, and makes the next one fail when
 *  `failNext` is set (as an I/O error at commit would). */
function spyOnCommits(s: SqliteStore): { count: number; failNext?: Error } {
  const q = (s as unknown as { q: { commit: { run(): unknown } } }).q;
  const real = q.commit;
  const spy: { count: number; failNext?: Error } = { count: 0 };
  q.commit = {
    run() {
      spy.count++;
      const fail = spy.failNext;
      spy.failNext = undefined;
      if (fail) throw fail;
      return real.run();
    },
  };
  return spy;
}

storeContract('sqlite :memory:', async () => {
  const store = await openSqliteStore(':memory:', { compactIntervalMs: 0 });
  return { store, close: () => store.close() };
});

storeContract('sqlite :memory:, group commit', async () => {
  const store = await openSqliteStore(':memory:', { compactIntervalMs: 0, groupCommit: true });
  return { store, close: () => store.close() };
});

storeContract('sqlite file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tinykube-store-'));
  const store = await openSqliteStore(join(dir, 'store.db'), { compactIntervalMs: 0 });
  return {
    store,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('sqlite store', () => {
  let dir: string;
  let n = 0;
  const file = () => join(dir, `store-${n++}.db`);
  before(() => void (dir = mkdtempSync(join(tmpdir(), 'tinykube-sqlite-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reopens with its data, revision and compacted revision', async () => {
    const path = file();
    const s1 = await openSqliteStore(path, { compactIntervalMs: 0 });
    const a = await s1.create('/a', '1');
    const a2 = await s1.update('/a', '2', a.modRevision);
    await s1.create('/b', 'x');
    // The newest row is a delete marker, which compaction removes: the revision must survive.
    const d = await s1.delete('/b');
    await s1.compact(d.modRevision);
    await s1.close();

    const s2 = await openSqliteStore(path, { compactIntervalMs: 0 });
    assert.equal(await s2.currentRevision(), d.modRevision);
    assert.equal(await s2.compactedRevision(), d.modRevision);
    assert.deepEqual((await s2.list('/')).items, [a2]);
    assert.equal((await s2.create('/c', 'y')).modRevision, d.modRevision + 1);
    await s2.close();
  });

  it('refuses a second open of the same file while the first is open', async () => {
    const path = file();
    const s1 = await openSqliteStore(path, { compactIntervalMs: 0 });
    await assert.rejects(openSqliteStore(path, { busyTimeoutMs: 50 }), (err: StoreError) => err.code === 'unavailable');
    await s1.close();
    const s2 = await openSqliteStore(path, { compactIntervalMs: 0 });
    await s2.close();
  });

  it('compaction leaves one row per live key', async () => {
    const path = file();
    const s = await openSqliteStore(path, { compactIntervalMs: 0 });
    for (let i = 0; i < 2_500; i++) {
      const kv = await s.create(`/k/${i % 10}/${i}`, 'v');
      if (i % 3 === 0) await s.update(kv.key, 'w', kv.modRevision);
      if (i % 5 === 0) await s.delete(kv.key);
    }
    const live = await s.count('/');
    await s.compact(await s.currentRevision()); // spans several compaction batches
    await s.close();
    const db = new Database(path, { readonly: true });
    const rows = (db.prepare('SELECT COUNT(*) AS n FROM log').get() as { n: number }).n;
    db.close();
    assert.equal(live, 2_000);
    assert.equal(rows, live);
  });

  it('the automatic compactor keeps retainRevisions behind the current revision', async () => {
    const s = await openSqliteStore(':memory:', { compactIntervalMs: 5, retainRevisions: 10 });
    const kv = await s.create('/a', '0');
    let rev = kv.modRevision;
    for (let i = 1; i <= 30; i++) rev = (await s.update('/a', String(i), rev)).modRevision;
    await eventually(async () => (await s.compactedRevision()) === rev - 10);
    assert.equal((await s.get('/a'))!.value, '30');
    await s.close();
  });

  it('a compaction during a replay fails the watcher with compacted', async () => {
    const s = await openSqliteStore(':memory:', { compactIntervalMs: 0 });
    const kv = await s.create('/a', '0');
    await s.update('/a', '1', kv.modRevision);
    const errors: StoreError[] = [];
    const events: WatchEvent[] = [];
    s.watch('/', { afterRevision: 0, onEvents: (e) => events.push(...e), onError: (e) => errors.push(e) });
    await s.compact(await s.currentRevision()); // before the replay's first tick
    await eventually(async () => errors.length > 0);
    assert.equal(errors[0]!.code, 'compacted');
    assert.deepEqual(events, []);
    await s.close();
  });

  it('drops a watcher whose queue passes the bound, with too-slow, and counts it', async () => {
    const s = await openSqliteStore(':memory:', { compactIntervalMs: 0, maxWatchQueue: 5, logger: quiet });
    await s.create('/history', 'x');
    const errors: StoreError[] = [];
    const slow = s.watch('/', { afterRevision: 0, onEvents: () => {}, onError: (e) => errors.push(e) });
    const fineEvents: WatchEvent[] = [];
    s.watch('/', { afterRevision: await s.currentRevision(), onEvents: (e) => fineEvents.push(...e), onError: () => {} });
    // Six writes land in the replaying watcher's queue before its replay can run.
    for (let i = 0; i < 6; i++) await s.create(`/k${i}`, 'v');
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.code, 'too-slow');
    assert.equal(s.stats().droppedWatchers, 1);
    await eventually(async () => fineEvents.length === 6);
    assert.equal(s.stats().watchers, 1);
    slow.cancel();
    await s.close();
  });

  describe('group commit', () => {
    it('writes made in one turn share one commit, are acknowledged after it and published in order', async () => {
      const path = file();
      const s = await openSqliteStore(path, { compactIntervalMs: 0, groupCommit: true });
      const commits = spyOnCommits(s);
      const events: WatchEvent[] = [];
      s.watch('/', { afterRevision: 0, onEvents: (e) => events.push(...e), onError: () => {} });
      const acked: number[] = [];
      const writes = Array.from({ length: 50 }, (_, i) =>
        s.create(`/k${i}`, String(i)).then((kv) => {
          acked.push(commits.count);
          return kv.modRevision;
        }),
      );
      assert.deepEqual(await Promise.all(writes), Array.from({ length: 50 }, (_, i) => i + 1));
      assert.equal(commits.count, 1);
      assert.ok(acked.every((c) => c === 1), 'no write is acknowledged before its commit');
      await eventually(async () => events.length === 50);
      assert.deepEqual(events.map((e) => e.kv.modRevision), Array.from({ length: 50 }, (_, i) => i + 1));
      // A chain (each write after the last one's answer) still commits each step.
      let rev = (await s.update('/k0', 'a', 1)).modRevision;
      rev = (await s.update('/k0', 'b', rev)).modRevision;
      assert.equal(commits.count, 3);
      await s.close();
      const reopened = await openSqliteStore(path, { compactIntervalMs: 0, groupCommit: true });
      assert.equal((await reopened.list('/')).items.length, 50);
      assert.equal((await reopened.get('/k0'))!.modRevision, rev);
      await reopened.close();
    });

    it('a read made while a group is open waits for its commit, then sees its writes', async () => {
      const s = await openSqliteStore(':memory:', { compactIntervalMs: 0, groupCommit: true });
      const commits = spyOnCommits(s);
      const write = s.create('/a', '1');
      const read = s.get('/a').then((kv) => ({ kv, commits: commits.count }));
      const list = s.list('/').then((l) => ({ revision: l.revision, commits: commits.count }));
      assert.equal((await write).modRevision, 1);
      assert.deepEqual(await read, { kv: await write, commits: 1 });
      assert.deepEqual(await list, { revision: 1, commits: 1 });
      await s.close();
    });

    it('a failed commit fails exactly its writes: nothing of it is read, published or kept', async () => {
      const path = file();
      const s = await openSqliteStore(path, { compactIntervalMs: 0, groupCommit: true });
      const before = await s.create('/kept', 'v');
      const commits = spyOnCommits(s);
      const events: WatchEvent[] = [];
      s.watch('/', { afterRevision: before.modRevision, onEvents: (e) => events.push(...e), onError: () => {} });
      commits.failNext = new Error('disk I/O error');
      const failed = [s.create('/a', '1'), s.update('/kept', 'w', before.modRevision), s.delete('/kept')];
      const read = s.get('/kept');
      for (const w of failed) await assert.rejects(w, /disk I\/O error/);
      assert.deepEqual(await read, before);
      assert.equal(await s.currentRevision(), before.modRevision);
      assert.equal(await s.get('/a'), undefined);
      // The next group takes the revisions the failed one would have had.
      const next = await s.create('/b', '2');
      assert.equal(next.modRevision, before.modRevision + 1);
      await eventually(async () => events.length === 1);
      assert.deepEqual(events.map((e) => e.kv.key), ['/b']);
      await s.close();
      const reopened = await openSqliteStore(path, { compactIntervalMs: 0, groupCommit: true });
      assert.deepEqual((await reopened.list('/')).items, [next, before]);
      await reopened.close();
    });
  });

  it('close ends watches with closed and refuses further calls', async () => {
    const s = await openSqliteStore(':memory:', { compactIntervalMs: 0 });
    const errors: StoreError[] = [];
    s.watch('/', { afterRevision: 0, onEvents: () => {}, onError: (e) => errors.push(e) });
    await s.close();
    assert.deepEqual(errors.map((e) => e.code), ['closed']);
    await assert.rejects(s.get('/a'), (err: StoreError) => err.code === 'closed');
    await assert.rejects(s.create('/a', 'x'), (err: StoreError) => err.code === 'closed');
    await s.close();
  });
});

