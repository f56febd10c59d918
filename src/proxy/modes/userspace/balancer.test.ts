import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../../../test/support/fake-clock.js';
import { Balancer, type Backend } from './balancer.js';

const be = (n: number, weight = 1): Backend => ({ key: `127.244.0.${n}:80`, ip: `127.244.0.${n}`, port: 80, weight });
const client = (ip: string) => ({ clientIP: ip, destIP: '127.96.0.10' });
const pickN = (b: Balancer, ip: string, n: number): string[] => Array.from({ length: n }, () => b.pick(client(ip))!.ip.split('.')[3]);

test('session affinity', async (t) => {
  await t.test('sticky while fresh, rescheduled after the timeout', async () => {
    const clock = new FakeClock(0);
    const b = new Balancer(clock);
    b.configure({ backends: [be(1), be(2), be(3)], scheduler: 'rr', affinityTimeoutMs: 10_000, drainMs: 0 });
    assert.deepEqual(pickN(b, '127.0.0.1', 3), ['1', '1', '1']);
    assert.deepEqual(pickN(b, '127.0.0.2', 2), ['2', '2']);
    await clock.advanceSettled(9_999);
    assert.deepEqual(pickN(b, '127.0.0.1', 1), ['1'], 'each connection refreshes it');
    await clock.advanceSettled(10_000);
    assert.deepEqual(pickN(b, '127.0.0.1', 1), ['3']);
  });
  await t.test('moves when its endpoint goes away', () => {
    const b = new Balancer(new FakeClock(0));
    b.configure({ backends: [be(1), be(2)], scheduler: 'rr', affinityTimeoutMs: 10_000, drainMs: 0 });
    assert.deepEqual(pickN(b, '127.0.0.1', 1), ['1']);
    b.configure({ backends: [be(2), be(3)], scheduler: 'rr', affinityTimeoutMs: 10_000, drainMs: 0 });
    const moved = pickN(b, '127.0.0.1', 3);
    assert.notEqual(moved[0], '1');
    assert.deepEqual(moved, [moved[0], moved[0], moved[0]]);
  });
  await t.test('moves when a connect to it failed (excluded)', () => {
    const b = new Balancer(new FakeClock(0));
    b.configure({ backends: [be(1), be(2)], scheduler: 'rr', affinityTimeoutMs: 10_000, drainMs: 0 });
    assert.equal(b.pick(client('c'))!.ip, '127.244.0.1');
    assert.equal(b.pick(client('c'), new Set(['127.244.0.1:80']))!.ip, '127.244.0.2');
    assert.equal(b.pick(client('c'))!.ip, '127.244.0.2');
  });
  await t.test('switched off and on at runtime', () => {
    const b = new Balancer(new FakeClock(0));
    const cfg = { backends: [be(1), be(2)], scheduler: 'rr' as const, drainMs: 0 };
    b.configure({ ...cfg, affinityTimeoutMs: 10_000 });
    assert.deepEqual(pickN(b, 'c', 2), ['1', '1']);
    b.configure(cfg);
    assert.deepEqual(pickN(b, 'c', 2), ['2', '1']);
    b.configure({ ...cfg, affinityTimeoutMs: 10_000 });
    assert.deepEqual(pickN(b, 'c', 3), ['2', '2', '2']);
  });
});

test('removed endpoints: no new connections at once, open ones drained after drainMs', async () => {
  const clock = new FakeClock(0);
  const b = new Balancer(clock);
  b.configure({ backends: [be(1), be(2)], scheduler: 'rr', drainMs: 5_000 });
  let closed = 0;
  b.track(be(1).key, { close: () => closed++ });
  const release = b.track(be(1).key, { close: () => closed++ });
  release();
  b.configure({ backends: [be(2)], scheduler: 'rr', drainMs: 5_000 });
  assert.deepEqual(pickN(b, 'c', 3), ['2', '2', '2']);
  await clock.advanceSettled(4_999);
  assert.equal(closed, 0);
  await clock.advanceSettled(1);
  assert.equal(closed, 1, 'only the connection still open');
  assert.equal(b.activeConnections(be(1).key), 1, 'closing reports back through release');
});

test('an endpoint that comes back before its drain ends keeps its connections', async () => {
  const clock = new FakeClock(0);
  const b = new Balancer(clock);
  b.configure({ backends: [be(1)], scheduler: 'rr', drainMs: 5_000 });
  let closed = 0;
  b.track(be(1).key, { close: () => closed++ });
  b.configure({ backends: [], scheduler: 'rr', drainMs: 5_000 });
  assert.equal(b.pick(client('c')), undefined);
  b.configure({ backends: [be(1)], scheduler: 'rr', drainMs: 5_000 });
  await clock.advanceSettled(10_000);
  assert.equal(closed, 0);
});

test('weight 0 takes no new connections; lc sees tracked connections', () => {
  const b = new Balancer(new FakeClock(0));
  b.configure({ backends: [be(1, 0), be(2), be(3)], scheduler: 'lc', drainMs: 0 });
  b.track(be(2).key, { close: () => undefined });
  assert.deepEqual(pickN(b, 'c', 2), ['3', '3']);
});
