import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createScheduler, type Candidate, type SchedulerName } from './scheduler.js';

const c = (key: string, weight = 1, active = 0): Candidate => ({ key, weight, active });
const ctx = { clientIP: '127.0.0.1', destIP: '127.96.0.10' };

function picks(name: SchedulerName, cands: Candidate[], n: number, random?: () => number, ctxs?: (typeof ctx)[]): string {
  const s = createScheduler(name, random);
  return Array.from({ length: n }, (_, i) => s.pick(cands, ctxs?.[i] ?? ctx)?.key ?? '-').join('');
}

test('schedulers as IPVS defines them', async (t) => {
  const rand = [0.1, 0.9, 0.5];
  let r = 0;
  const cases: { name: string; sched: SchedulerName; cands: Candidate[]; n: number; want: string; random?: () => number }[] = [
    { name: 'rr takes each in turn', sched: 'rr', cands: [c('a'), c('b'), c('c')], n: 6, want: 'abcabc' },
    { name: 'rr with nothing', sched: 'rr', cands: [], n: 1, want: '-' },
    { name: 'wrr 4:3:2 (ip_vs_wrr order)', sched: 'wrr', cands: [c('a', 4), c('b', 3), c('c', 2)], n: 9, want: 'aababcabc' },
    { name: 'wrr equal weights is rr', sched: 'wrr', cands: [c('a', 2), c('b', 2)], n: 4, want: 'abab' },
    { name: 'lc: fewest connections', sched: 'lc', cands: [c('a', 1, 5), c('b', 1, 2), c('c', 1, 3)], n: 1, want: 'b' },
    { name: 'lc ignores weight', sched: 'lc', cands: [c('a', 10, 3), c('b', 1, 2)], n: 1, want: 'b' },
    { name: 'wlc: connections per weight', sched: 'wlc', cands: [c('a', 10, 3), c('b', 1, 2)], n: 1, want: 'a' },
    { name: 'sed: (active+1)/weight', sched: 'sed', cands: [c('a', 1, 0), c('b', 3, 1)], n: 1, want: 'b' },
    { name: 'wlc on the same loads prefers the idle one', sched: 'wlc', cands: [c('a', 1, 0), c('b', 3, 1)], n: 1, want: 'a' },
    { name: 'nq: an idle endpoint first', sched: 'nq', cands: [c('a', 1, 1), c('b', 5, 4), c('c', 1, 0)], n: 1, want: 'c' },
    { name: 'nq: else sed', sched: 'nq', cands: [c('a', 1, 1), c('b', 5, 4)], n: 1, want: 'b' },
    { name: 'random uses the injected source', sched: 'random', cands: [c('a'), c('b'), c('c')], n: 3, want: 'acb', random: () => rand[r++ % 3] },
  ];
  for (const k of cases) {
    await t.test(k.name, () => assert.equal(picks(k.sched, k.cands, k.n, k.random), k.want));
  }
});

test('sh and dh: the same address keeps its endpoint, addresses spread, removal moves only its own', () => {
  const cands = [c('a'), c('b'), c('c'), c('d')];
  for (const [name, field] of [['sh', 'clientIP'], ['dh', 'destIP']] as const) {
    const s = createScheduler(name);
    const owner = new Map<string, string>();
    for (let i = 0; i < 400; i++) {
      const addr = `127.0.${i >> 8}.${i & 255}`;
      const k = { ...ctx, [field]: addr };
      const first = s.pick(cands, k)!.key;
      assert.equal(s.pick(cands, k)!.key, first, `${name}: stable`);
      owner.set(addr, first);
    }
    const counts = [...owner.values()].reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>());
    assert.equal(counts.size, 4, `${name}: every endpoint gets addresses`);
    const without = cands.filter((x) => x.key !== 'b');
    for (const [addr, was] of owner) {
      const now = s.pick(without, { ...ctx, [field]: addr })!.key;
      if (was !== 'b') assert.equal(now, was, `${name}: ${addr} stays on ${was}`);
    }
  }
});
