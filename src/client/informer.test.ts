import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi } from '../../test/support/api.js';
import { R } from './client.js';
import { Informer } from './informer.js';
import type { KubeObject } from '../apis/types.js';
import { WorkQueue } from './workqueue.js';
import { EventRecorder } from './events.js';
import { eventually } from '../../test/support/eventually.js';

function svc(name: string, labels: Record<string, string> = {}) {
  return { metadata: { name, labels }, spec: { ports: [{ port: 80 }] } };
}

test('informer lists, then reports adds, updates (old and new) and deletes', async () => {
  const api = await startTestApi();
  const client = api.client();
  await client.create(R.services, 'default', svc('before'));
  const seen: string[] = [];
  const inf = new Informer(client, R.services, { namespace: 'default' }).on({
    add: (o) => seen.push(`add ${o.metadata.name}`),
    update: (o, n) => seen.push(`update ${o.metadata.labels?.v ?? '-'}->${n.metadata.labels?.v}`),
    delete: (o) => seen.push(`delete ${o.metadata.name}`),
  });
  assert.equal(inf.hasSynced(), false);
  await inf.start();
  assert.equal(inf.hasSynced(), true);
  assert.deepEqual(seen.sort(), ['add before', 'add kubernetes']);
  seen.length = 0;
  await client.create(R.services, 'default', svc('x'));
  await client.patch(R.services, 'default', 'x', 'merge', { metadata: { labels: { v: '1' } } });
  await client.delete(R.services, 'default', 'x');
  await eventually(() => seen.length === 3);
  assert.deepEqual(seen, ['add x', 'update -->1', 'delete x']);
  assert.equal(inf.get('default', 'x'), undefined);
  assert.ok(inf.get('default', 'before'));
  inf.stop();
  await api.close();
});

test('informer re-lists after its watch ends (compaction) and reports what it missed', async () => {
  const api = await startTestApi();
  const client = api.client();
  const seen: string[] = [];
  const inf = new Informer(client, R.services, { namespace: 'default', minBackoffMs: 10 }).on({
    add: (o) => seen.push(`add ${o.metadata.name}`),
    delete: (o) => seen.push(`delete ${o.metadata.name}`),
  });
  await inf.start();
  await client.create(R.services, 'default', svc('a'));
  await eventually(() => seen.includes('add a'));
  inf.stop();
  await client.delete(R.services, 'default', 'a');
  await client.create(R.services, 'default', svc('b'));
  await api.store.compact(await api.store.currentRevision());
  await inf.start();
  await eventually(() => seen.includes('add b') && seen.includes('delete a'));
  inf.stop();
  await api.close();
});

test('informer indexes: list(namespace) and added indexes follow adds, changes, deletes and re-lists, in cache order, before handlers run', async (t) => {
  const api = await startTestApi();
  t.after(() => api.close());
  const client = api.client();
  await client.create(R.namespaces, undefined, { metadata: { name: 'other' } });
  await client.create(R.services, 'default', svc('a', { tier: 'web' }));
  await client.create(R.services, 'other', svc('b', { tier: 'web' }));
  const inf = new Informer(client, R.services, { minBackoffMs: 10 });
  t.after(() => inf.stop());
  const tier = (o: KubeObject): string[] => (o.metadata.labels?.tier ? [o.metadata.labels.tier] : []);
  const names = (objs: KubeObject[]): string[] => objs.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
  const seenInHandler: string[][] = [];
  inf.on({ update: () => seenInHandler.push(names(inf.byIndex('tier', 'db'))) });
  await inf.start();
  inf.addIndex('tier', tier); // after the list: filled from the cache
  assert.deepEqual(names(inf.list('other')), ['other/b']);
  assert.deepEqual(names(inf.byIndex('tier', 'web')).sort(), ['default/a', 'other/b']);
  await client.create(R.services, 'default', svc('c', { tier: 'web' }));
  await eventually(() => inf.byIndex('tier', 'web').length === 3);
  assert.deepEqual(names(inf.list('default')).filter((n) => n !== 'default/kubernetes'), ['default/a', 'default/c']);
  // A change that keeps its value keeps its place; one that changes it moves it.
  await client.patch(R.services, 'default', 'a', 'merge', { metadata: { annotations: { x: '1' } } });
  await client.patch(R.services, 'other', 'b', 'merge', { metadata: { labels: { tier: 'db' } } });
  await eventually(() => inf.byIndex('tier', 'db').length === 1);
  assert.deepEqual(seenInHandler.at(-1), ['other/b']);
  assert.deepEqual(names(inf.byIndex('tier', 'web')), ['default/a', 'default/c']);
  await client.delete(R.services, 'default', 'c');
  await eventually(() => inf.byIndex('tier', 'web').length === 1);
  // Missed while stopped, seen through a re-list: the indexes lose what went.
  inf.stop();
  await client.delete(R.services, 'other', 'b');
  await client.delete(R.services, 'default', 'a');
  await api.store.compact(await api.store.currentRevision());
  await inf.start();
  await eventually(() => !inf.get('default', 'a'));
  assert.deepEqual(inf.byIndex('tier', 'web'), []);
  assert.deepEqual(inf.byIndex('tier', 'db'), []);
  assert.deepEqual(inf.list('other'), []);
  assert.throws(() => inf.byIndex('nope', 'x'), /no index nope/);
});

test('work queue runs a key once per burst, again when changed while running, and retries failures', async () => {
  const runs: string[] = [];
  let fail = 1;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const q = new WorkQueue(async (key) => {
    runs.push(key);
    if (key === 'slow' && runs.filter((k) => k === 'slow').length === 1) await gate;
    if (key === 'flaky' && fail-- > 0) throw new Error('boom');
  }, { minRetryMs: 5 });
  q.add('slow'); // the one worker is busy with it until the gate opens
  q.add('a');
  q.add('a');
  q.add('a'); // a burst while queued collapses into one run
  q.add('slow'); // added while running: runs again afterwards
  release();
  q.add('flaky');
  await eventually(() => runs.filter((k) => k === 'flaky').length === 2);
  await q.idle();
  assert.equal(runs.filter((k) => k === 'a').length, 1);
  assert.equal(runs.filter((k) => k === 'slow').length, 2);
  q.stop();
});

test('event recorder aggregates repeats into a count', async () => {
  const api = await startTestApi();
  const client = api.client();
  const obj = await client.get(R.services, 'default', 'kubernetes');
  const rec = new EventRecorder(client, 'test-component');
  await rec.write(obj, 'Warning', 'Probe', 'failed');
  await rec.write(obj, 'Warning', 'Probe', 'failed');
  await rec.write(obj, 'Normal', 'Other', 'ok');
  const events = await client.list(R.events, 'default', { fieldSelector: `involvedObject.name=kubernetes,involvedObject.kind=Service` });
  const counts = events.items.map((e) => `${e.reason}:${e.count}`).sort();
  assert.deepEqual(counts, ['Other:1', 'Probe:2']);
  await api.close();
});

test("Events of one object recorded in the same millisecond are listed in the order they were recorded", async () => {
  const api = await startTestApi();
  const client = api.client();
  const obj = await client.get(R.services, 'default', 'kubernetes');
  const rec = new EventRecorder(client, 'test-component');
  const at = new Date();
  const reasons = ['Pulled', 'Created', 'Started', 'Killing', 'Pulled2', 'Created2', 'Started2', 'Killing2'];
  try {
    await Promise.all(reasons.map((r) => rec.write(obj, 'Normal', r, 'ok', at)));
    const events = await client.list(R.events, 'default', { fieldSelector: 'involvedObject.name=kubernetes,involvedObject.kind=Service' });
    assert.deepEqual(events.items.map((e) => e.reason), reasons);
  } finally {
    await api.close();
  }
});

test('informer resumes a broken watch from its last resourceVersion, without a re-list', async () => {
  const api = await startTestApi();
  const inner = api.client();
  let lists = 0;
  const watches: { cancel(): void; end(err?: Error): void }[] = [];
  const client: typeof inner = Object.create(inner);
  client.list = (...args: Parameters<typeof inner.list>) => {
    lists++;
    return inner.list(...args);
  };
  client.watch = async (r, ns, opts, cb) => {
    const w = await inner.watch(r, ns, opts, cb);
    watches.push({ cancel: () => w.cancel(), end: cb.end });
    return w;
  };
  const seen: string[] = [];
  const inf = new Informer(client, R.services, { namespace: 'default', minBackoffMs: 10 }).on({ add: (o) => seen.push(`add ${o.metadata.name}`) });
  await inf.start();
  await client.create(R.services, 'default', svc('a'));
  await eventually(() => seen.includes('add a'));
  // The connection breaks; meanwhile another change happens.
  watches[0].cancel();
  await inner.create(R.services, 'default', svc('b'));
  watches[0].end(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
  await eventually(() => seen.includes('add b'));
  assert.equal(lists, 1);
  assert.equal(watches.length, 2);
  assert.deepEqual(seen.sort(), ['add a', 'add b', 'add kubernetes']);
  inf.stop();
  await api.close();
});

test("a rate-limited event recorder writes its burst at once, queues what follows and drops what the queue cannot hold", async () => {
  const api = await startTestApi();
  const client = api.client();
  const obj = await client.get(R.services, 'default', 'kubernetes');
  const rec = new EventRecorder(client, 'test-component', undefined, { qps: 20, burst: 2, maxQueued: 3 });
  for (let i = 0; i < 8; i++) rec.record(obj, 'Normal', 'Burst', `event ${i}`);
  assert.equal(rec.dropped, 3, 'two written, three queued, the rest dropped');
  const messages = async () =>
    (await client.list(R.events, 'default', { fieldSelector: 'reason=Burst' })).items.map((e) => (e as { message?: string }).message).sort();
  // The queued three follow at 20 per second.
  await eventually(async () => (await messages()).length === 5, 5000, 'the queued events written');
  assert.deepEqual(await messages(), ['event 0', 'event 1', 'event 2', 'event 3', 'event 4']);
  await api.close();
});

test('a held event recorder writes nothing while held, then everything at once; an Event keeps the time it happened; a hold ends after atMostMs or when the queue is full', async () => {
  const api = await startTestApi();
  const client = api.client();
  const obj = await client.get(R.services, 'default', 'kubernetes');
  const written = async (reason: string) => (await client.list(R.events, 'default', { fieldSelector: `reason=${reason}` })).items as { message?: string; firstTimestamp?: string }[];
  let busy = true;
  const rec = new EventRecorder(client, 'test-component', undefined, { qps: 100, burst: 10, maxQueued: 4, hold: { while: () => busy, atMostMs: 60_000 } });
  const before = Date.now();
  for (let i = 0; i < 3; i++) rec.record(obj, 'Normal', 'Held', `event ${i}`);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await written('Held')).length, 0, 'nothing written while held');
  busy = false;
  await eventually(async () => (await written('Held')).length === 3, 5000, 'the held events written');
  for (const e of await written('Held')) assert.ok(Date.parse(e.firstTimestamp!) <= before + 1000, `${e.firstTimestamp}: when it happened, not when written`);

  busy = true;
  for (let i = 0; i < 4; i++) rec.record(obj, 'Normal', 'Full', `event ${i}`);
  await eventually(async () => (await written('Full')).length === 4, 5000, 'a full queue is not held');
  assert.equal(rec.dropped, 0);

  const capped = new EventRecorder(client, 'test-component', undefined, { qps: 100, burst: 10, maxQueued: 10, hold: { while: () => true, atMostMs: 300 } });
  capped.record(obj, 'Normal', 'Capped', 'waits at most 300 ms');
  await eventually(async () => (await written('Capped')).length === 1, 5000, 'written once it has waited atMostMs');
  await api.close();
});
