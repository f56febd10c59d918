// The etcd store through etcd failures: a member restart, and a 3-member cluster losing a
// member during a stream of writes. Every acknowledged write must be readable and watched.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openEtcdStore } from '../../src/store/etcd/etcd-store.js';
import type { KeyValue, Store, StoreError, WatchEvent } from '../../src/store/store.js';
import { leaderOf, startEtcd } from './etcd-process.js';
import { eventually } from '../support/eventually.js';

const quiet = { warn: () => {}, error: () => {} };

function record(store: Store, prefix: string, afterRevision: number) {
  const events: WatchEvent[] = [];
  const errors: StoreError[] = [];
  const w = store.watch(prefix, { afterRevision, onEvents: (batch) => events.push(...batch), onError: (err) => errors.push(err) });
  return { events, errors, cancel: () => w.cancel() };
}

describe('etcd store through etcd failures', () => {
  it('a watch resumes across an etcd restart, missing and repeating nothing', async () => {
    const etcd = await startEtcd();
    try {
      const s = await openEtcdStore(etcd.endpoints, { logger: quiet });
      const w = record(s, '/r/', await s.currentRevision());
      const written = [await s.create('/r/a', '1')];
      await eventually(() => w.events.length === 1);
      await etcd.members[0]!.kill();
      await etcd.members[0]!.restart();
      for (const k of ['b', 'c', 'd']) written.push(await eventually(() => s.create(`/r/${k}`, k)));
      await eventually(() => w.events.length >= 4);
      assert.deepEqual(w.events.map((e) => e.kv), written);
      assert.deepEqual(w.errors, []);
      w.cancel();
      await s.close();
    } finally {
      await etcd.stop();
    }
  });

  it('3 members, the leader killed during writes: no acknowledged write is lost and writes go on', async () => {
    const etcd = await startEtcd({ members: 3 });
    try {
      const s = await openEtcdStore(etcd.endpoints, { logger: quiet, dialTimeoutMs: 500 });
      const w = record(s, '/w/', await s.currentRevision());
      const acked: KeyValue[] = [];
      let failed = 0;
      let afterKill = 0;
      let killed: Promise<string> | undefined;
      for (let i = 0; afterKill < 100; i++) {
        if (acked.length === 100 && !killed) killed = leaderOf(etcd.members).then(async (m) => (await m.kill(), m.endpoint));
        try {
          acked.push(await s.create(`/w/${String(i).padStart(5, '0')}`, String(i)));
          if (killed) afterKill++;
        } catch {
          // Unacknowledged: it may or may not have landed (a create the client retried after
          // the leader died can even report `exists` for its own first attempt).
          failed++; // unacknowledged: it may or may not have landed
        }
      }
      const dead = await killed;
      const survivors = await openEtcdStore(etcd.endpoints.filter((e) => e !== dead), { logger: quiet });
      const stored = new Map((await survivors.list('/w/')).items.map((kv) => [kv.key, kv]));
      for (const kv of acked) assert.deepEqual(stored.get(kv.key), kv, `acknowledged write ${kv.key}`);
      assert.ok(stored.size <= acked.length + failed);
      await eventually(() => w.events.length >= stored.size);
      assert.deepEqual(w.events.map((e) => e.kv), [...stored.values()].sort((a, b) => a.modRevision - b.modRevision));
      assert.deepEqual(w.errors, []);
      w.cancel();
      await Promise.all([s.close(), survivors.close()]);
    } finally {
      await etcd.stop();
    }
  });
});

