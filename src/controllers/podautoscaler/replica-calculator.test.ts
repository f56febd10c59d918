import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resourceReplicas, type PodFacts, type PodSample } from './replica-calculator.js';

const NOW = 1_000_000_000;
const OLD = NOW - 10 * 60_000; // started and Ready long ago: past the CPU initialization period

const pod = (name: string, over: Partial<PodFacts> = {}): PodFacts => ({ name, phase: 'Running', deleting: false, ready: true, startMs: OLD, readyTransitionMs: OLD + 5000, request: 0.2, ...over });
const samples = (values: Record<string, number>): Map<string, PodSample> =>
  new Map(Object.entries(values).map(([n, v]) => [n, { value: v, timestampMs: NOW - 1000, windowMs: 10_000 }]));

describe('the replica calculator (upstream replica_calculator.go)', () => {
  const cases: { name: string; current: number; pods: PodFacts[]; usage: Record<string, number>; want: number; utilization?: number }[] = [
    { name: 'within the tolerance: no change', current: 2, pods: [pod('a'), pod('b')], usage: { a: 0.105, b: 0.105 }, want: 2, utilization: 52 },
    { name: 'twice the target: twice the pods', current: 2, pods: [pod('a'), pod('b')], usage: { a: 0.2, b: 0.2 }, want: 4, utilization: 100 },
    { name: 'idle: down to what the usage needs', current: 4, pods: ['a', 'b', 'c', 'd'].map((n) => pod(n)), usage: { a: 0.02, b: 0.02, c: 0.02, d: 0.02 }, want: 1, utilization: 10 },
    {
      name: 'a missing pod counts as 100% when scaling down',
      current: 3,
      pods: [pod('a'), pod('b'), pod('c')],
      usage: { a: 0.02, b: 0.02 },
      // (0.02+0.02+0.2)/0.6 = 40% → ratio 0.8 → ceil(0.8*3) = 3
      want: 3,
      utilization: 10,
    },
    {
      name: 'an unready pod counts as 0 when scaling up',
      current: 2,
      pods: [pod('a'), pod('b', { ready: false, startMs: NOW - 60_000, readyTransitionMs: NOW - 60_000 })],
      usage: { a: 0.3, b: 0.3 },
      // a alone: 150% → ratio 3; with b at 0: 75% → ratio 1.5 → ceil(1.5*2) = 3
      want: 3,
      utilization: 150,
    },
    { name: 'a deleted pod is ignored', current: 2, pods: [pod('a'), pod('b', { deleting: true })], usage: { a: 0.4, b: 0 }, want: 4, utilization: 200 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = resourceReplicas(c.current, { utilization: 50 }, 'cpu', c.pods, samples(c.usage), NOW);
      assert.equal(r.replicas, c.want);
      assert.equal(r.utilization, c.utilization);
    });
  }

  it('AverageValue targets compare the per-pod average', () => {
    const r = resourceReplicas(2, { averageValue: 100 * 2 ** 20 }, 'memory', [pod('a'), pod('b')], samples({ a: 300 * 2 ** 20, b: 300 * 2 ** 20 }), NOW);
    assert.equal(r.replicas, 6);
    assert.equal(r.utilization, undefined);
  });

  it('errors as upstream words them', () => {
    assert.throws(() => resourceReplicas(1, { utilization: 50 }, 'cpu', [], samples({}), NOW), /no pods returned by selector while calculating replica count/);
    assert.throws(() => resourceReplicas(1, { utilization: 50 }, 'cpu', [pod('a', { phase: 'Pending' })], samples({ a: 1 }), NOW), /did not receive metrics for targeted pods/);
    assert.throws(
      () => resourceReplicas(1, { utilization: 50 }, 'cpu', [pod('a', { request: undefined, missingRequestContainer: 'web' })], samples({ a: 1 }), NOW),
      /missing request for cpu in container web of Pod a/,
    );
  });
});
