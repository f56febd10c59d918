import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ConcurrencyLimit } from './concurrency-limit.js';

it('runs at most N jobs at once, the others in the order they came, failures included', async () => {
  const limit = new ConcurrencyLimit(2);
  let running = 0;
  let most = 0;
  const started: number[] = [];
  const job = (i: number) => async (): Promise<number> => {
    started.push(i);
    most = Math.max(most, ++running);
    await new Promise((r) => setTimeout(r, 5));
    running--;
    if (i === 1) throw new Error('job 1 failed');
    return i;
  };
  const results = await Promise.allSettled([0, 1, 2, 3, 4].map((i) => limit.run(job(i))));
  assert.equal(most, 2);
  assert.deepEqual(started, [0, 1, 2, 3, 4]);
  assert.deepEqual(results.map((r) => (r.status === 'fulfilled' ? r.value : r.reason.message)), [0, 'job 1 failed', 2, 3, 4]);
  // Every slot is free again.
  running = 0;
  most = 0;
  await Promise.all([5, 6].map((i) => limit.run(job(i))));
  assert.equal(most, 2);
});
