import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SyncLoop } from './sync-loop.js';

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('SyncLoop', () => {
  const cases: { name: string; run: (loop: SyncLoop) => void; want: string[] }[] = [
    { name: 'keys before start are ignored; start syncs its keys', run: (l) => (l.add('early'), l.start(['a', 'b'])), want: ['a', 'b'] },
    { name: 'a burst for one key in one turn is one sync', run: (l) => (l.start([]), ['x', 'x', 'y', 'x'].forEach((k) => l.add(k))), want: ['x', 'y'] },
    { name: 'nothing after stop', run: (l) => (l.start([]), l.add('a'), l.stop()), want: [] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const synced: string[] = [];
      const loop = new SyncLoop(async (k) => void synced.push(k), { workers: 1, batchPeriodMs: 0, onError: () => undefined });
      c.run(loop);
      for (let i = 0; i < 5; i++) await turn();
      loop.stop();
      assert.deepEqual(synced, c.want);
    });
  }
});
