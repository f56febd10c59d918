import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { initialState, observe, unhealthyMessage, type ProbeKind, type ProbeResult } from './probe-state.js';

describe('probe thresholds', () => {
  const cases: { name: string; kind: ProbeKind; success: number; failure: number; attempts: boolean[]; want: ProbeResult[] }[] = [
    { name: 'readiness starts failed, one success makes it ready', kind: 'readiness', success: 1, failure: 3, attempts: [true], want: ['success'] },
    {
      name: 'three failures in a row to become unready',
      kind: 'readiness',
      success: 1,
      failure: 3,
      attempts: [true, false, false, true, false, false, false],
      want: ['success', 'success', 'success', 'success', 'success', 'success', 'failure'],
    },
    { name: 'successThreshold 2 needs two in a row', kind: 'readiness', success: 2, failure: 1, attempts: [true, false, true, true], want: ['failure', 'failure', 'failure', 'success'] },
    { name: 'liveness starts alive', kind: 'liveness', success: 1, failure: 2, attempts: [false, false], want: ['success', 'failure'] },
    { name: 'startup starts unknown', kind: 'startup', success: 1, failure: 3, attempts: [false, true], want: ['unknown', 'success'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      let s = initialState(c.kind);
      const got = c.attempts.map((ok) => (s = observe(s, ok, c.success, c.failure)).result);
      assert.deepEqual(got, c.want);
    });
  }

  it('words the Unhealthy event as kubelet does', () => {
    assert.equal(unhealthyMessage('liveness', 'HTTP probe failed with statuscode: 500'), 'Liveness probe failed: HTTP probe failed with statuscode: 500');
  });
});
