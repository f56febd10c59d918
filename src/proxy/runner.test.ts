import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../test/support/fake-clock.js';
import { BoundedFrequencyRunner } from './runner.js';

function setup(fail: (n: number) => boolean = () => false) {
  const clock = new FakeClock(0);
  const runs: number[] = [];
  const runner = new BoundedFrequencyRunner(
    async () => {
      runs.push(clock.now());
      if (fail(runs.length)) throw new Error('boom');
    },
    { clock, minIntervalMs: 1000, maxIntervalMs: 60_000, retryIntervalMs: 5000 },
  );
  return { clock, runs, runner };
}

test('runner', async (t) => {
  await t.test('first request runs at once', async () => {
    const { clock, runs, runner } = setup();
    runner.run();
    await clock.advanceSettled(0);
    assert.deepEqual(runs, [0]);
    runner.stop();
  });
  await t.test('requests within minInterval merge into one run at its end', async () => {
    const { clock, runs, runner } = setup();
    runner.run();
    await clock.advanceSettled(100);
    runner.run();
    runner.run();
    await clock.advanceSettled(200);
    runner.run();
    await clock.advanceSettled(2000);
    assert.deepEqual(runs, [0, 1000]);
    runner.stop();
  });
  await t.test('periodic resync at maxInterval', async () => {
    const { clock, runs, runner } = setup();
    runner.run();
    await clock.advanceSettled(130_000);
    assert.deepEqual(runs, [0, 60_000, 120_000]);
    runner.stop();
  });
  await t.test('a failed run is retried after retryInterval', async () => {
    const { clock, runs, runner } = setup((n) => n === 1);
    runner.run();
    await clock.advanceSettled(6000);
    assert.deepEqual(runs, [0, 5000]);
    runner.stop();
  });
  await t.test('a request while running runs again afterwards, not concurrently', async () => {
    const clock = new FakeClock(0);
    let active = 0;
    let maxActive = 0;
    const runs: number[] = [];
    let release: () => void = () => undefined;
    const runner = new BoundedFrequencyRunner(
      async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        runs.push(clock.now());
        if (runs.length === 1) await new Promise<void>((r) => (release = r));
        active--;
      },
      { clock, minIntervalMs: 1000, maxIntervalMs: 60_000, retryIntervalMs: 5000 },
    );
    runner.run();
    await clock.advanceSettled(0);
    runner.run();
    await clock.advanceSettled(3000);
    assert.deepEqual(runs, [0]);
    release();
    await clock.advanceSettled(0);
    assert.deepEqual(runs, [0, 3000]);
    assert.equal(maxActive, 1);
    runner.stop();
  });
  await t.test('stop cancels what is scheduled', async () => {
    const { clock, runs, runner } = setup();
    runner.run();
    runner.stop();
    await clock.advanceSettled(100_000);
    assert.deepEqual(runs, []);
    assert.equal(clock.waiting, 0);
  });
});
