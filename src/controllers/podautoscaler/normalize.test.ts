import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ScaleHistory, type NormalizeArgs } from './normalize.js';

const base: Omit<NormalizeArgs, 'desired' | 'current' | 'nowMs'> = { key: 'default/web', min: 1, max: 10 };

describe('normalizing a recommendation (horizontal.go)', () => {
  it('without behavior: scale-up at most max(2×, 4), down only after 5 minutes of lower advice', () => {
    const h = new ScaleHistory();
    let n = h.normalize({ ...base, current: 1, desired: 9, nowMs: 0 });
    assert.deepEqual([n.replicas, n.limited, n.limit.reason], [4, true, 'ScaleUpLimit']);
    // The higher advice of a minute ago stands (9), still cut by the scale-up rate (2×4).
    n = h.normalize({ ...base, current: 4, desired: 2, nowMs: 60_000 });
    assert.deepEqual([n.replicas, n.ableToScale.reason, n.limit.reason], [8, 'ScaleDownStabilized', 'ScaleUpLimit']);
    n = h.normalize({ ...base, current: 4, desired: 2, nowMs: 301_000 });
    // 5 minutes on, only the lower advice is left in the window.
    assert.deepEqual([n.replicas, n.ableToScale.reason, n.limit.reason], [2, 'ReadyForNewScale', 'DesiredWithinRange']);
    n = h.normalize({ ...base, current: 2, desired: 2, nowMs: 400_000 });
    assert.deepEqual([n.replicas, n.ableToScale.reason], [2, 'ReadyForNewScale']);
  });

  it('min and max bound the count', () => {
    const h = new ScaleHistory();
    assert.equal(h.normalize({ ...base, min: 2, current: 2, desired: 1, nowMs: 0 }).limit.reason, 'TooFewReplicas');
    assert.deepEqual(h.normalize({ ...base, key: 'b', max: 3, current: 3, desired: 5, nowMs: 0 }).replicas, 3);
  });

  it('with behavior: the window of its own, and policies counted over their periods', () => {
    const h = new ScaleHistory();
    const behavior = { scaleUp: { policies: [{ type: 'Pods' as const, value: 2, periodSeconds: 60 }] }, scaleDown: { stabilizationWindowSeconds: 10 } };
    const a: NormalizeArgs = { ...base, behavior, current: 1, desired: 8, nowMs: 0 };
    let n = h.normalize(a);
    assert.deepEqual([n.replicas, n.limit.reason], [3, 'ScaleUpLimit']);
    h.recordScale(a, 1, 3);
    // Within the same 60 s period the 2 pods are spent.
    n = h.normalize({ ...a, current: 3, nowMs: 30_000 });
    assert.deepEqual([n.replicas, n.limit.reason], [3, 'ScaleUpLimit']);
    n = h.normalize({ ...a, current: 3, nowMs: 61_000 });
    assert.equal(n.replicas, 5);
    // Scale down waits out its 10 s window of higher advice (8 at 61 s, cut to 5 + 2), not 300 s.
    n = h.normalize({ ...a, current: 5, desired: 1, nowMs: 65_000 });
    assert.deepEqual([n.replicas, n.ableToScale.reason], [7, 'ScaleDownStabilized']);
    n = h.normalize({ ...a, current: 5, desired: 1, nowMs: 80_000 });
    assert.equal(n.replicas, 1);
  });

  it('selectPolicy Disabled holds the count', () => {
    const h = new ScaleHistory();
    const n = h.normalize({ ...base, behavior: { scaleUp: { selectPolicy: 'Disabled' } }, current: 2, desired: 6, nowMs: 0 });
    assert.deepEqual([n.replicas, n.limited], [2, true]);
  });
});
