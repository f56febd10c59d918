import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment } from '../apis/apps/deployments.js';
import type { ReplicaSet } from '../apis/apps/replicasets.js';
import { fenceposts, historyToDelete, newRSReplicas, proportionalScale, scaleDownOld, scaledValue, MAX_REPLICAS, DESIRED_REPLICAS, REVISION } from './deployment-rollout.js';
import { equalIgnoreHash, templateHash } from './deployment-hash.js';

const dep = (replicas: number, maxSurge: number | string = '25%', maxUnavailable: number | string = '25%', extra: Record<string, unknown> = {}): Deployment => ({
  metadata: { name: 'd', generation: 1 },
  spec: { replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } }, ...extra },
});

/** A ReplicaSet `name` created at second `age`, with spec replicas and available pods. */
const rs = (name: string, age: number, replicas: number, available = replicas, annotations: Record<string, string> = {}): ReplicaSet => ({
  metadata: { name, uid: name, creationTimestamp: `2024-01-01T00:00:${String(age).padStart(2, '0')}Z`, annotations, generation: 1 },
  spec: { replicas },
  status: { replicas, availableReplicas: available, observedGeneration: 1 },
});

const plan = (scales: { rs: ReplicaSet; replicas: number }[]): Record<string, number> => Object.fromEntries(scales.map((s) => [s.rs.metadata.name, s.replicas]));

describe('rollout arithmetic', () => {
  const fenceCases = [
    { name: 'defaults of 10 replicas', d: dep(10), want: { maxSurge: 3, maxUnavailable: 2 } },
    { name: 'defaults of 3 replicas: surge rounds up, unavailability down', d: dep(3), want: { maxSurge: 1, maxUnavailable: 0 } },
    { name: 'defaults of 1 replica', d: dep(1), want: { maxSurge: 1, maxUnavailable: 0 } },
    { name: 'integers', d: dep(5, 2, 1), want: { maxSurge: 2, maxUnavailable: 1 } },
    { name: 'both zero becomes one unavailable', d: dep(4, '10%', '10%'), want: { maxSurge: 1, maxUnavailable: 0 } },
    { name: '0% surge and 0 unavailable of 2 replicas', d: dep(2, 0, '0%'), want: { maxSurge: 0, maxUnavailable: 1 } },
  ];
  for (const c of fenceCases) it(`fenceposts: ${c.name}`, () => assert.deepEqual(fenceposts(c.d), c.want));

  it('scales percents of a total', () => {
    assert.equal(scaledValue('50%', 5, true), 3);
    assert.equal(scaledValue('50%', 5, false), 2);
    assert.equal(scaledValue(7, 5, false), 7);
  });

  const newCases = [
    { name: 'a new ReplicaSet grows by the surge', d: dep(4), all: [rs('old', 1, 4)], cur: 0, want: 1 },
    { name: 'no room while old pods fill the surge', d: dep(4), all: [rs('old', 1, 4)], cur: 1, want: 1 },
    { name: 'grows as old ones shrink', d: dep(4), all: [rs('old', 1, 2)], cur: 2, want: 3 },
    { name: 'never beyond replicas', d: dep(4, 10), all: [rs('old', 1, 0)], cur: 0, want: 4 },
    { name: 'Recreate: all at once', d: { ...dep(4), spec: { replicas: 4, strategy: { type: 'Recreate' } } }, all: [], cur: 0, want: 4 },
  ];
  for (const c of newCases) {
    it(`new ReplicaSet size: ${c.name}`, () => {
      const n = rs('new', 2, c.cur);
      assert.equal(newRSReplicas(c.d, [...c.all, n], n), c.want);
    });
  }

  const downCases = [
    { name: 'nothing while the new pods are unavailable and none may go', d: dep(3), old: [rs('a', 1, 3)], n: rs('n', 2, 1, 0), want: {} },
    { name: 'old pods go as new ones become available', d: dep(3), old: [rs('a', 1, 3)], n: rs('n', 2, 1, 1), want: { a: 2 } },
    { name: 'unavailable old pods go first, at no cost', d: dep(4), old: [rs('a', 1, 4, 2)], n: rs('n', 2, 1, 0), want: { a: 3 } },
    { name: 'oldest first', d: dep(4, 1, 2), old: [rs('b', 2, 2), rs('a', 1, 2)], n: rs('n', 3, 1, 1), want: { a: 0, b: 1 } },
  ];
  for (const c of downCases) {
    it(`old ReplicaSets scale down: ${c.name}`, () => {
      assert.deepEqual(plan(scaleDownOld(c.d, [...c.old, c.n], c.old, c.n)), c.want);
    });
  }

  const sized = (name: string, age: number, replicas: number, desired: number, max: number): ReplicaSet =>
    rs(name, age, replicas, replicas, { [DESIRED_REPLICAS]: String(desired), [MAX_REPLICAS]: String(max) });
  const propCases = [
    { name: 'one active ReplicaSet takes the new size', d: dep(5), n: sized('n', 2, 3, 3, 4), old: [rs('a', 1, 0)], want: { n: 5 } },
    { name: 'none active: the new one', d: dep(2), n: rs('n', 2, 0), old: [rs('a', 1, 0)], want: { n: 2 } },
    { name: 'spread by share, leftover to the largest newest', d: dep(20, 2, 2), n: sized('n', 2, 4, 10, 12), old: [sized('a', 1, 8, 10, 12)], want: { n: 7, a: 15 } },
    { name: 'shrinking: oldest largest loses the leftover', d: dep(5, 1, 1), n: sized('n', 2, 5, 10, 11), old: [sized('a', 1, 6, 10, 11)], want: { n: 3, a: 3 } },
  ];
  for (const c of propCases) {
    it(`proportional scaling: ${c.name}`, () => {
      assert.deepEqual(plan(proportionalScale(c.d, c.n, c.old)), c.want);
    });
  }

  it('history keeps revisionHistoryLimit old ReplicaSets, deleting the oldest scaled-down ones', () => {
    const rev = (name: string, r: number, replicas = 0): ReplicaSet => ({ ...rs(name, r, replicas), metadata: { ...rs(name, r, replicas).metadata, annotations: { [REVISION]: String(r) } } });
    const olds = [rev('r3', 3), rev('r1', 1), rev('r2', 2, 1), rev('r4', 4)];
    assert.deepEqual(historyToDelete(dep(1, 1, 0, { revisionHistoryLimit: 2 }), olds).map((r) => r.metadata.name), ['r1', 'r3']);
    assert.deepEqual(historyToDelete(dep(1, 1, 0, { revisionHistoryLimit: 10 }), olds), []);
  });
});

describe('pod-template-hash', () => {
  const t = (image: string, labels: Record<string, string> = { app: 'x' }) => ({ metadata: { labels }, spec: { containers: [{ name: 'c', image }] } });
  it('is deterministic, short and DNS-safe, whatever the key order', () => {
    const a = templateHash(t('nginx:1'));
    assert.match(a, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    assert.equal(templateHash({ spec: { containers: [{ image: 'nginx:1', name: 'c' }] }, metadata: { labels: { app: 'x' } } }), a);
  });
  it('changes with the template and with the collision count', () => {
    assert.notEqual(templateHash(t('nginx:2')), templateHash(t('nginx:1')));
    assert.notEqual(templateHash(t('nginx:1'), 1), templateHash(t('nginx:1')));
  });
  it('compares templates ignoring the hash label', () => {
    assert.ok(equalIgnoreHash(t('nginx:1', { app: 'x', 'pod-template-hash': 'abc' }), t('nginx:1')));
    assert.ok(!equalIgnoreHash(t('nginx:1'), t('nginx:2')));
    // What kubectl rollout undo sends back: Go's zero creationTimestamp as null.
    assert.ok(equalIgnoreHash({ ...t('nginx:1'), metadata: { creationTimestamp: null, labels: { app: 'x' } } } as never, t('nginx:1')));
  });
});
