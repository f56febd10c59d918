import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { leases, type Lease } from './leases.js';

const lease = (spec: Lease['spec']): Lease => ({ metadata: { name: 'node1', namespace: 'kube-node-lease', creationTimestamp: '2024-01-01T00:00:00Z' }, spec });

describe('leases', () => {
  const cases: { name: string; lease: Lease; want: string[] }[] = [
    { name: 'valid', lease: lease({ holderIdentity: 'node1', leaseDurationSeconds: 40 }), want: [] },
    { name: 'zero duration', lease: lease({ leaseDurationSeconds: 0 }), want: ['spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0'] },
    { name: 'negative transitions', lease: lease({ leaseTransitions: -1 }), want: ['spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0'] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(leases.validate!(c.lease).map((e) => `${e.field}: ${e.message}`), c.want));
  it('prints HOLDER and AGE', () => assert.deepEqual(leases.row(lease({ holderIdentity: 'node1' }), new Date('2024-01-01T00:00:30Z')), ['node1', 'node1', '30s']));
});
