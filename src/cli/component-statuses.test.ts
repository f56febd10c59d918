import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { componentStatuses, leaderHealth } from './component-statuses.js';

const NOW = Date.parse('2026-01-01T00:01:00Z');

describe('component statuses', () => {
  const cases: { name: string; lease?: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string }; want: ReturnType<typeof leaderHealth> }[] = [
    { name: 'no lease', want: { healthy: false, error: 'no leader elected: lease kube-system/kube-controller-manager is not held' } },
    { name: 'released', lease: { holderIdentity: '', leaseDurationSeconds: 1, renewTime: '2026-01-01T00:00:59.000000Z' }, want: { healthy: false, error: 'no leader elected: lease kube-system/kube-controller-manager is not held' } },
    { name: 'renewed in time', lease: { holderIdentity: 's1', leaseDurationSeconds: 15, renewTime: '2026-01-01T00:00:50.000000Z' }, want: { healthy: true, message: 'ok' } },
    {
      name: 'expired',
      lease: { holderIdentity: 's1', leaseDurationSeconds: 15, renewTime: '2026-01-01T00:00:30.000000Z' },
      want: { healthy: false, error: 'no leader elected: lease kube-system/kube-controller-manager held by s1 expired 15s ago' },
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(leaderHealth(c.lease, NOW), c.want));

  it('etcd-0 is the store answering; the others the leader lease', async () => {
    const statuses = await componentStatuses({
      store: () => Promise.reject(new Error('the store: no answer within 2s')),
      leaderLease: async () => ({ holderIdentity: 's1', leaseDurationSeconds: 15, renewTime: '2026-01-01T00:00:50.000000Z' }),
      now: () => NOW,
    });
    assert.deepEqual(
      statuses.map((s) => [s.metadata.name, (s.conditions as unknown[])[0]]),
      [
        ['scheduler', { type: 'Healthy', status: 'True', message: 'ok' }],
        ['controller-manager', { type: 'Healthy', status: 'True', message: 'ok' }],
        ['etcd-0', { type: 'Healthy', status: 'False', error: 'the store: no answer within 2s' }],
      ],
    );
  });
});
