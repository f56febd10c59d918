import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { decide, LeaderElector, microTime, type LeaseSpec } from './leader-election.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import { startTestApi } from '../../test/support/api.js';
import { R } from './client.js';
import type { Lease } from '../apis/coordination/leases.js';

const T0 = Date.UTC(2026, 0, 1);
const held = (holder: string, extra: Partial<LeaseSpec> = {}): LeaseSpec => ({
  holderIdentity: holder,
  leaseDurationSeconds: 15,
  acquireTime: microTime(T0),
  renewTime: microTime(T0),
  leaseTransitions: 2,
  ...extra,
});

describe('decide', () => {
  const cases: { name: string; current?: LeaseSpec; observedAt: number; now: number; want: string; transitions?: number }[] = [
    { name: 'no lease: acquire', observedAt: T0, now: T0, want: 'acquire', transitions: 0 },
    { name: 'own lease: renew, keeping transitions', current: held('me'), observedAt: T0, now: T0 + 60_000, want: 'renew', transitions: 2 },
    { name: 'another holder within the duration: wait', current: held('other'), observedAt: T0, now: T0 + 14_999, want: 'wait' },
    { name: 'another holder unchanged for a duration: take over', current: held('other'), observedAt: T0, now: T0 + 15_000, want: 'acquire', transitions: 3 },
    { name: 'released (empty holder): acquire at once', current: held('', { leaseDurationSeconds: 1 }), observedAt: T0, now: T0, want: 'acquire', transitions: 3 },
    // The holder's renewTime is far in the past by our clock, but we only just saw the record.
    { name: 'skewed renewTime does not count, the observation does', current: held('other', { renewTime: microTime(T0 - 3_600_000) }), observedAt: T0, now: T0 + 1_000, want: 'wait' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = decide(c.current, c.observedAt, c.now, 'me', 15_000);
      assert.equal(d.action, c.want);
      if (d.action !== 'wait') {
        assert.equal(d.spec.holderIdentity, 'me');
        assert.equal(d.spec.leaseDurationSeconds, 15);
        assert.equal(d.spec.renewTime, microTime(c.now));
        assert.equal(d.spec.leaseTransitions, c.transitions);
      }
    });
  }
});

describe('LeaderElector', () => {
  it('one leader at a time; a dead leader is replaced after the lease duration; stop releases at once', async () => {
    const api = await startTestApi();
    const clock = new FakeClock();
    const timing = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };
    const events: string[] = [];
    const elector = (identity: string) =>
      new LeaderElector({
        client: api.client(identity),
        namespace: 'kube-system',
        name: 'kube-controller-manager',
        identity,
        timing,
        clock,
        log: pino({ level: 'silent' }),
        onStartedLeading: () => void events.push(`${identity} started`),
        onStoppedLeading: () => void events.push(`${identity} stopped`),
      });
    try {
      const a = elector('a');
      const b = elector('b');
      await a.start();
      await b.start();
      await clock.advanceSettled(10_000);
      assert.deepEqual([a.isLeader, b.isLeader], [true, false]);
      assert.deepEqual(events, ['a started']);

      // a's renewals now fail (as if cut off from the API): it stops leading after the renew
      // deadline, and b takes over once the record has been still for a lease duration.
      (a as unknown as { tryAcquireOrRenew(): Promise<boolean> }).tryAcquireOrRenew = async () => false;
      await clock.advanceSettled(10_000);
      assert.equal(a.isLeader, false);
      assert.equal(b.isLeader, false);
      await clock.advanceSettled(6_000);
      assert.equal(b.isLeader, true);
      assert.deepEqual(events, ['a started', 'a stopped', 'b started']);
      const lease = await api.client().get<Lease>(R.leases, 'kube-system', 'kube-controller-manager');
      assert.equal(lease.spec?.holderIdentity, 'b');
      assert.equal(lease.spec?.leaseTransitions, 1);

      // A graceful stop releases the lease: a fresh candidate leads on its first attempt.
      await a.stop();
      await b.stop();
      const c = elector('c');
      await c.start();
      assert.equal(c.isLeader, true);
      await c.stop();
    } finally {
      await api.close();
    }
  });
});

describe('LeaderElector when its work fails to start', () => {
  it('lets the lease go and tries again on a later attempt', async () => {
    const api = await startTestApi();
    const clock = new FakeClock();
    let starts = 0;
    const e = new LeaderElector({
      client: api.client('a'),
      namespace: 'kube-system',
      name: 'flaky',
      identity: 'a',
      timing: { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 },
      clock,
      log: pino({ level: 'silent' }),
      onStartedLeading: () => {
        if (++starts === 1) throw new Error('informers did not start');
      },
      onStoppedLeading: () => undefined,
    });
    try {
      await e.start();
      assert.equal(e.isLeader, false);
      const lease = await api.client().get<Lease>(R.leases, 'kube-system', 'flaky');
      assert.equal(lease.spec?.holderIdentity, '');
      await clock.advanceSettled(2_000);
      assert.equal(e.isLeader, true);
      assert.equal(starts, 2);
    } finally {
      await e.stop();
      await api.close();
    }
  });
});
