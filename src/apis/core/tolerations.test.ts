import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evictionDue, tolerates } from './tolerations.js';

const T0 = Date.UTC(2026, 0, 1);
const unreachable = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: new Date(T0).toISOString() };

describe('tolerates', () => {
  it('matches by key and value, Exists by key or everything, and the effect when given', () => {
    assert.ok(tolerates({ key: 'a', value: 'x', effect: 'NoSchedule' }, { key: 'a', value: 'x', effect: 'NoSchedule' }));
    assert.ok(!tolerates({ key: 'a', value: 'y' }, { key: 'a', value: 'x', effect: 'NoSchedule' }));
    assert.ok(tolerates({ key: 'a', operator: 'Exists' }, { key: 'a', value: 'x', effect: 'NoExecute' }));
    assert.ok(tolerates({ operator: 'Exists' }, { key: 'b', effect: 'NoExecute' }));
    assert.ok(!tolerates({ operator: 'Exists', effect: 'NoSchedule' }, { key: 'b', effect: 'NoExecute' }));
  });
});

describe('evictionDue (the taint manager)', () => {
  const now = T0 + 1_000;
  const cases: { name: string; tolerations: object[]; taints: object[]; want: number | undefined }[] = [
    { name: 'no NoExecute taint: stays', tolerations: [], taints: [{ key: 'x', effect: 'NoSchedule' }], want: undefined },
    { name: 'an untolerated NoExecute taint: now', tolerations: [], taints: [unreachable], want: now },
    { name: 'the default 300 s toleration: 300 s after the taint', tolerations: [{ key: unreachable.key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }], taints: [unreachable], want: T0 + 300_000 },
    {
      name: 'the shortest of the tolerations used',
      tolerations: [{ key: unreachable.key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }, { operator: 'Exists', tolerationSeconds: 5 }],
      taints: [unreachable],
      want: T0 + 5_000,
    },
    { name: 'tolerated for ever', tolerations: [{ operator: 'Exists' }], taints: [unreachable], want: undefined },
    { name: 'negative seconds count as zero', tolerations: [{ operator: 'Exists', tolerationSeconds: -3 }], taints: [unreachable], want: T0 },
    {
      name: 'one taint tolerated, another not: now',
      tolerations: [{ key: unreachable.key, operator: 'Exists', effect: 'NoExecute' }],
      taints: [unreachable, { key: 'dedicated', value: 'gpu', effect: 'NoExecute' }],
      want: now,
    },
  ];
  for (const c of cases) it(c.name, () => assert.equal(evictionDue(c.tolerations, c.taints as never, now), c.want));
});
