// The behaviour every Store promises (src/store/store.ts), as node:test cases. Each backend's
// test file calls storeContract with a way to open a fresh store; nothing here knows which
// backend it runs against, so it asserts only what the interface documents. Keys live under a
// per-case prefix and revisions are compared relatively, so a shared backend also passes.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { KeyValue, Store, StoreErrorCode, WatchEvent, WatchOptions } from '../../src/store/store.js';
import { StoreError } from '../../src/store/store.js';
import { eventually } from '../support/eventually.js';

export type OpenStore = () => Promise<{ store: Store; close: () => Promise<void> }>;

export function storeContract(name: string, open: OpenStore): void {
  /** Runs a case on a fresh store, with a prefix of its own. */
  const withStore = (fn: (store: Store, p: string) => Promise<void>) => async () => {
    const { store, close } = await open();
    try {
      await fn(store, `/contract/${randomUUID()}/`);
    } finally {
      await close();
    }
  };

  describe(`store contract: ${name}`, () => {
    describe('writes', () => {
      it(
        'create assigns the next revision as createRevision and modRevision',
        withStore(async (s, p) => {
          const before = await s.currentRevision();
          const kv = await s.create(`${p}a`, 'v1');
          assert.ok(kv.modRevision > before);
          assert.deepEqual(kv, { key: `${p}a`, value: 'v1', createRevision: kv.modRevision, modRevision: kv.modRevision });
          assert.deepEqual(await s.get(`${p}a`), kv);
          assert.equal(await s.currentRevision(), kv.modRevision);
        }),
      );

      it(
        'get of a missing key is undefined',
        withStore(async (s, p) => {
          assert.equal(await s.get(`${p}missing`), undefined);
        }),
      );

      it(
        'update with the current modRevision replaces the value and keeps createRevision',
        withStore(async (s, p) => {
          const c = await s.create(`${p}a`, 'v1');
          const u = await s.update(`${p}a`, 'v2', c.modRevision);
          assert.ok(u.modRevision > c.modRevision);
          assert.deepEqual(u, { key: `${p}a`, value: 'v2', createRevision: c.createRevision, modRevision: u.modRevision });
          assert.deepEqual(await s.get(`${p}a`), u);
        }),
      );

      it(
        'delete returns the deleted value at the revision of the delete',
        withStore(async (s, p) => {
          const c = await s.create(`${p}a`, 'v1');
          const d = await s.delete(`${p}a`, c.modRevision);
          assert.ok(d.modRevision > c.modRevision);
          assert.deepEqual(d, { key: `${p}a`, value: 'v1', createRevision: c.createRevision, modRevision: d.modRevision });
          assert.equal(await s.get(`${p}a`), undefined);
          assert.equal(await s.currentRevision(), d.modRevision);
        }),
      );

      it(
        'delete without an expected revision is unconditional',
        withStore(async (s, p) => {
          const c = await s.create(`${p}a`, 'v1');
          await s.update(`${p}a`, 'v2', c.modRevision);
          assert.equal((await s.delete(`${p}a`)).value, 'v2');
          assert.equal(await s.get(`${p}a`), undefined);
        }),
      );

      it(
        'a key created again after a delete gets a new createRevision',
        withStore(async (s, p) => {
          const c1 = await s.create(`${p}a`, 'v1');
          await s.delete(`${p}a`);
          const c2 = await s.create(`${p}a`, 'v2');
          assert.ok(c2.createRevision > c1.createRevision);
          assert.equal(c2.createRevision, c2.modRevision);
        }),
      );

      const failures: {
        name: string;
        code: StoreErrorCode;
        run: (s: Store, k: string, kv: KeyValue) => Promise<unknown>;
        /** The error carries the key's current value. */
        current?: boolean;
      }[] = [
        { name: 'create of an existing key', code: 'exists', current: true, run: (s, k) => s.create(k, 'x') },
        { name: 'update with a stale revision', code: 'conflict', current: true, run: (s, k, kv) => s.update(k, 'x', kv.modRevision - 1) },
        { name: 'update of a missing key', code: 'not-found', run: (s, k) => s.update(`${k}-missing`, 'x', 1) },
        { name: 'delete with a stale revision', code: 'conflict', current: true, run: (s, k, kv) => s.delete(k, kv.modRevision - 1) },
        { name: 'delete of a missing key', code: 'not-found', run: (s, k) => s.delete(`${k}-missing`) },
        {
          name: 'update of a deleted key',
          code: 'not-found',
          run: async (s, k) => {
            await s.create(`${k}-gone`, 'x');
            const d = await s.delete(`${k}-gone`);
            return s.update(`${k}-gone`, 'y', d.modRevision);
          },
        },
      ];
      for (const f of failures) {
        it(
          `${f.name} fails with ${f.code} and changes nothing`,
          withStore(async (s, p) => {
            const k = `${p}a`;
            const c = await s.create(k, 'v1');
            const kv = await s.update(k, 'v2', c.modRevision);
            const err = await rejectsWith(f.run(s, k, kv), f.code);
            if (f.current) assert.deepEqual(err.current, kv);
            assert.deepEqual(await s.get(k), kv);
          }),
        );
      }

      it(
        'a failed write does not move the revision',
        withStore(async (s, p) => {
          const c = await s.create(`${p}a`, 'v1');
          await rejectsWith(s.create(`${p}a`, 'v2'), 'exists');
          await rejectsWith(s.update(`${p}a`, 'v2', c.modRevision + 100), 'conflict');
          assert.equal(await s.currentRevision(), c.modRevision);
        }),
      );

      it(
        'revisions increase strictly across creates, updates and deletes',
        withStore(async (s, p) => {
          const revs: number[] = [await s.currentRevision()];
          for (let i = 0; i < 5; i++) {
            const c = await s.create(`${p}${i}`, 'a');
            const u = await s.update(`${p}${i}`, 'b', c.modRevision);
            const d = await s.delete(`${p}${i}`, u.modRevision);
            revs.push(c.modRevision, u.modRevision, d.modRevision);
          }
          for (let i = 1; i < revs.length; i++) assert.ok(revs[i]! > revs[i - 1]!, `revision ${i}: ${revs}`);
        }),
      );

      it(
        'concurrent creates of one key: exactly one wins',
        withStore(async (s, p) => {
          const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => s.create(`${p}a`, `v${i}`)));
          const won = results.filter((r) => r.status === 'fulfilled');
          assert.equal(won.length, 1);
          for (const r of results) {
            if (r.status === 'rejected') assert.equal((r.reason as StoreError).code, 'exists');
          }
          assert.deepEqual(await s.get(`${p}a`), (won[0] as PromiseFulfilledResult<KeyValue>).value);
        }),
      );

      it(
        '50 concurrent read-modify-write loops with CAS retry lose no increment',
        withStore(async (s, p) => {
          const k = `${p}counter`;
          await s.create(k, '0');
          let conflicts = 0;
          const increment = async () => {
            for (;;) {
              const kv = (await s.get(k))!;
              try {
                return await s.update(k, String(Number(kv.value) + 1), kv.modRevision);
              } catch (err) {
                if (!(err instanceof StoreError && err.code === 'conflict')) throw err;
                conflicts++;
              }
            }
          };
          const done = await Promise.all(Array.from({ length: 50 }, increment));
          assert.equal((await s.get(k))!.value, '50');
          assert.equal(new Set(done.map((kv) => kv.value)).size, 50, 'every increment wrote a distinct value');
          assert.ok(conflicts > 0, 'the loops did contend');
        }),
      );
    });

    describe('list and count', () => {
      it(
        'lists live keys of a prefix in key order at the current revision',
        withStore(async (s, p) => {
          for (const k of ['b', 'a/x', 'c', 'a']) await s.create(`${p}${k}`, k);
          // Just below and exactly at the end of the prefix's range ('-' < '/' < '0').
          await s.create(`${p.slice(0, -1)}-sibling`, 'outside the prefix');
          await s.create(`${p.slice(0, -1)}0`, 'outside the prefix');
          await s.delete(`${p}c`);
          const r = await s.list(p);
          assert.deepEqual(keys(r.items, p), ['a', 'a/x', 'b']);
          assert.deepEqual(r.items.map((kv) => kv.value), ['a', 'a/x', 'b']);
          assert.equal(r.revision, await s.currentRevision());
          assert.equal(r.more, false);
          assert.equal(await s.count(p), 3);
          assert.equal(await s.count(`${p}a`), 2);
          assert.deepEqual((await s.list(`${p}zzz`)).items, []);
        }),
      );

      it(
        'pages with limit and startAfter, reporting more and remaining',
        withStore(async (s, p) => {
          for (const k of ['e', 'a', 'd', 'b', 'c']) await s.create(`${p}${k}`, k);
          const cases = [
            { name: 'first page', opts: { limit: 2 }, keys: ['a', 'b'], more: true, remaining: 3 },
            { name: 'middle page', opts: { limit: 2, startAfter: `${p}b` }, keys: ['c', 'd'], more: true, remaining: 1 },
            { name: 'last page', opts: { limit: 2, startAfter: `${p}d` }, keys: ['e'], more: false },
            { name: 'exact fit', opts: { limit: 5 }, keys: ['a', 'b', 'c', 'd', 'e'], more: false },
            { name: 'startAfter a missing key', opts: { startAfter: `${p}bb` }, keys: ['c', 'd', 'e'], more: false },
            { name: 'startAfter the last key', opts: { startAfter: `${p}e` }, keys: [], more: false },
          ];
          for (const c of cases) {
            const r = await s.list(p, c.opts);
            assert.deepEqual(keys(r.items, p), c.keys, c.name);
            assert.equal(r.more, c.more, c.name);
            if (c.remaining !== undefined && r.remaining !== undefined) assert.equal(r.remaining, c.remaining, c.name);
          }
        }),
      );

      it(
        'pages at a fixed revision see one snapshot while writes go on',
        withStore(async (s, p) => {
          for (const k of ['a', 'b', 'c', 'd']) await s.create(`${p}${k}`, k);
          const first = await s.list(p, { limit: 2 });
          await s.delete(`${p}c`);
          await s.create(`${p}bb`, 'new');
          const rest = await s.list(p, { limit: 10, startAfter: `${p}b`, revision: first.revision });
          assert.equal(rest.revision, first.revision);
          assert.deepEqual(keys([...first.items, ...rest.items], p), ['a', 'b', 'c', 'd']);
        }),
      );

      it(
        'lists history at an older revision',
        withStore(async (s, p) => {
          const a = await s.create(`${p}a`, 'a1');
          const b = await s.create(`${p}b`, 'b1');
          const then = await s.currentRevision();
          await s.update(`${p}a`, 'a2', a.modRevision);
          await s.delete(`${p}b`, b.modRevision);
          await s.create(`${p}c`, 'c1');
          const old = await s.list(p, { revision: then });
          assert.equal(old.revision, then);
          assert.deepEqual(old.items, [a, b]);
          const now = await s.list(p);
          assert.deepEqual(now.items.map((kv) => kv.value), ['a2', 'c1']);
        }),
      );

      it(
        'a list at a future revision fails with future',
        withStore(async (s, p) => {
          await s.create(`${p}a`, 'a');
          await rejectsWith(s.list(p, { revision: (await s.currentRevision()) + 10 }), 'future');
        }),
      );
    });

    describe('compaction', () => {
      it(
        'keeps the newest value of every live key and forgets older revisions',
        withStore(async (s, p) => {
          const a = await s.create(`${p}a`, 'a1');
          const b = await s.create(`${p}b`, 'b1');
          const old = await s.currentRevision();
          const a2 = await s.update(`${p}a`, 'a2', a.modRevision);
          await s.delete(`${p}b`, b.modRevision);
          const c = await s.create(`${p}c`, 'c1');
          const at = await s.currentRevision();
          await s.create(`${p}d`, 'd1');
          await s.compact(at);
          assert.equal(await s.compactedRevision(), at);
          const err = await rejectsWith(s.list(p, { revision: old }), 'compacted');
          assert.equal(err.compactRevision, at);
          assert.deepEqual((await s.list(p, { revision: at })).items, [a2, c]);
          assert.deepEqual(keys((await s.list(p)).items, p), ['a', 'c', 'd']);
          assert.deepEqual(await s.get(`${p}a`), a2);
          assert.equal(await s.get(`${p}b`), undefined);
          assert.ok((await s.currentRevision()) >= at + 1);
        }),
      );

      it(
        'writes after compaction still compare-and-swap on the kept revision',
        withStore(async (s, p) => {
          const a = await s.create(`${p}a`, 'a1');
          const a2 = await s.update(`${p}a`, 'a2', a.modRevision);
          await s.create(`${p}b`, 'b');
          const gone = await s.create(`${p}gone`, 'x');
          await s.delete(`${p}gone`, gone.modRevision);
          await s.compact(await s.currentRevision());
          await rejectsWith(s.update(`${p}a`, 'x', a.modRevision), 'conflict');
          assert.equal((await s.update(`${p}a`, 'a3', a2.modRevision)).value, 'a3');
          assert.equal((await s.create(`${p}gone`, 'again')).value, 'again');
        }),
      );

      it(
        'a watch from before the compacted revision fails with compacted',
        withStore(async (s, p) => {
          const start = await s.currentRevision();
          const a = await s.create(`${p}a`, '1');
          await s.update(`${p}a`, '2', a.modRevision);
          const at = await s.currentRevision();
          await s.compact(at);
          const w = record(s, p, start);
          await eventually(() => w.errors.length > 0, 5_000, 'the compacted error');
          assert.equal(w.errors[0]!.code, 'compacted');
          assert.equal(w.errors[0]!.compactRevision, at);
          assert.deepEqual(w.events, []);
          w.cancel();
        }),
      );

      it(
        'a watch from the compacted revision streams what follows',
        withStore(async (s, p) => {
          await s.create(`${p}a`, '1');
          const at = await s.currentRevision();
          await s.compact(at);
          const b = await s.create(`${p}b`, '2');
          const w = record(s, p, at);
          await eventually(() => w.events.length === 1, 5_000, 'one event');
          assert.deepEqual(w.events[0]!.kv, b);
          assert.deepEqual(w.errors, []);
          w.cancel();
        }),
      );
    });

    describe('watch', () => {
      it(
        'replays history, then streams live events, in revision order',
        withStore(async (s, p) => {
          const start = await s.currentRevision();
          const a = await s.create(`${p}a`, 'a1');
          const a2 = await s.update(`${p}a`, 'a2', a.modRevision);
          const b = await s.create(`${p}b`, 'b1');
          await s.create(`/elsewhere${p}`, 'not watched');
          const w = record(s, p, start);
          await eventually(() => w.events.length === 3, 5_000, 'the replay');
          const bd = await s.delete(`${p}b`, b.modRevision);
          const a3 = await s.update(`${p}a`, 'a3', a2.modRevision);
          await eventually(() => w.events.length === 5, 5_000, 'the live events');
          assert.deepEqual(w.events, [
            { type: 'put', kv: a, created: true },
            { type: 'put', kv: a2, prev: a, created: false },
            { type: 'put', kv: b, created: true },
            { type: 'delete', kv: bd, prev: b, created: false },
            { type: 'put', kv: a3, prev: a2, created: false },
          ]);
          assert.deepEqual(w.errors, []);
          w.cancel();
        }),
      );

      it(
        'a watch from the current revision sees only later changes',
        withStore(async (s, p) => {
          await s.create(`${p}old`, 'x');
          const w = record(s, p, await s.currentRevision());
          const n = await s.create(`${p}new`, 'y');
          await eventually(() => w.events.length === 1, 5_000, 'the new event');
          assert.deepEqual(w.events, [{ type: 'put', kv: n, created: true }]);
          w.cancel();
        }),
      );

      it(
        'writes racing a replay are delivered exactly once, in order',
        withStore(async (s, p) => {
          const start = await s.currentRevision();
          const written: number[] = [];
          for (let i = 0; i < 30; i++) written.push((await s.create(`${p}before-${i}`, 'x')).modRevision);
          const w = record(s, p, start);
          const live = await Promise.all(Array.from({ length: 30 }, (_, i) => s.create(`${p}during-${i}`, 'y')));
          written.push(...live.map((kv) => kv.modRevision));
          await eventually(() => w.events.length >= 60, 5_000, 'all 60 events');
          await s.create(`${p}sentinel`, 'z');
          await eventually(() => w.events.length >= 61, 5_000, 'the sentinel');
          const revs = w.events.map((e) => e.kv.modRevision);
          assert.deepEqual(revs.slice(0, 60), [...written].sort((x, y) => x - y));
          assert.equal(w.events.length, 61);
          w.cancel();
        }),
      );

      it(
        'list then watch from the list revision misses nothing',
        withStore(async (s, p) => {
          await s.create(`${p}a`, '1');
          const listed = await s.list(p);
          const b = await s.create(`${p}b`, '2');
          const w = record(s, p, listed.revision);
          await eventually(() => w.events.length === 1, 5_000, 'the write after the list');
          assert.deepEqual(w.events[0]!.kv, b);
          w.cancel();
        }),
      );

      it(
        'cancel stops delivery without an error',
        withStore(async (s, p) => {
          const rev = await s.currentRevision();
          const cancelled = record(s, p, rev);
          const other = record(s, p, rev);
          cancelled.cancel();
          cancelled.cancel();
          await s.create(`${p}a`, '1');
          await eventually(() => other.events.length === 1, 5_000, 'the other watcher');
          assert.deepEqual(cancelled.events, []);
          assert.deepEqual(cancelled.errors, []);
          other.cancel();
        }),
      );

      it(
        'sends progress notifications when quiet',
        withStore(async (s, p) => {
          await s.create(`${p}a`, '1');
          const rev = await s.currentRevision();
          const progress: number[] = [];
          const w = record(s, p, rev, { progressNotifyMs: 20, onProgress: (r) => progress.push(r) });
          await eventually(() => progress.length > 0, 5_000, 'a progress notification');
          assert.ok(progress[0]! >= rev);
          w.cancel();
        }),
      );
    });
  });
}

async function rejectsWith(p: Promise<unknown>, code: StoreErrorCode): Promise<StoreError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof StoreError, `expected a StoreError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  return assert.fail(`expected ${code}, but the call succeeded`);
}

function keys(items: KeyValue[], prefix: string): string[] {
  return items.map((kv) => kv.key.slice(prefix.length));
}

/** Watches and records; a synchronous StoreError counts as an error like one through onError. */
function record(s: Store, prefix: string, afterRevision: number, extra: Partial<WatchOptions> = {}) {
  const events: WatchEvent[] = [];
  const errors: StoreError[] = [];
  let cancel = () => {};
  try {
    const w = s.watch(prefix, {
      afterRevision,
      onEvents: (batch) => events.push(...batch),
      onError: (err) => errors.push(err),
      ...extra,
    });
    cancel = () => w.cancel();
  } catch (err) {
    if (!(err instanceof StoreError)) throw err;
    errors.push(err);
  }
  return { events, errors, cancel };
}

