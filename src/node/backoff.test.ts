import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { goDuration, RestartBackoff } from './backoff.js';

describe('RestartBackoff', () => {
  it('restarts at once after the first exit, then waits 10 s doubling to 5 min', () => {
    const b = new RestartBackoff();
    let now = 0;
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      // The container ran 1 s and exited; it waits what remains, then restarts.
      now += 1000;
      const wait = b.remaining('c', now, now);
      waits.push(wait);
      now += wait;
      b.next('c', now - wait, now);
    }
    assert.deepEqual(waits, [0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
  });

  it('time already spent since the exit counts against the window', () => {
    const b = new RestartBackoff();
    b.next('c', 0, 0);
    assert.equal(b.remaining('c', 5_000, 8_000), 7_000);
    assert.equal(b.remaining('c', 5_000, 20_000), 0);
  });

  it('starts over once the container stayed up for twice the maximum', () => {
    const b = new RestartBackoff();
    b.next('c', 0, 0);
    b.next('c', 0, 10_000);
    assert.equal(b.delay('c'), 20_000);
    const finished = 10_000 + 600_001;
    assert.equal(b.remaining('c', finished, finished), 0);
    b.next('c', finished, finished);
    assert.equal(b.delay('c'), 10_000);
  });

  it('forgets the entries of a pod', () => {
    const b = new RestartBackoff();
    b.next('uid1/a', 0, 0);
    b.next('uid2/a', 0, 0);
    b.forget('uid1/');
    assert.deepEqual([b.delay('uid1/a'), b.delay('uid2/a')], [0, 10_000]);
  });
});

describe('goDuration', () => {
  const cases: [number, string][] = [
    [10_000, '10s'],
    [80_000, '1m20s'],
    [300_000, '5m0s'],
    [3_600_000, '1h0m0s'],
  ];
  for (const [ms, want] of cases) it(`${ms} ms is ${want}`, () => assert.equal(goDuration(ms), want));
});
