import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderHealth, renderSingle, runChecks, within, type HealthCheck } from './health.js';

const ok = (name: string, readyzOnly = false): HealthCheck => ({ name, readyzOnly, check: async () => {} });
const failing = (name: string): HealthCheck => ({ name, check: async () => Promise.reject(new Error('store down')) });

describe('health endpoints', () => {
  it('livez leaves out the readiness-only checks; readyz runs them', async () => {
    const checks = [ok('ping'), ok('etcd'), ok('informer-sync', true), ok('shutdown', true)];
    assert.deepEqual((await runChecks(checks, 'livez', [])).map((r) => r.name), ['ping', 'etcd']);
    assert.deepEqual((await runChecks(checks, 'readyz', [])).map((r) => r.name), ['ping', 'etcd', 'informer-sync', 'shutdown']);
  });

  const cases: { name: string; checks: HealthCheck[]; verbose: boolean; exclude?: string[]; want: { status: number; body: string } }[] = [
    { name: 'all pass: ok', checks: [ok('ping'), ok('etcd')], verbose: false, want: { status: 200, body: 'ok' } },
    { name: 'all pass, verbose', checks: [ok('ping'), ok('etcd')], verbose: true, want: { status: 200, body: '[+]ping ok\n[+]etcd ok\nlivez check passed\n' } },
    { name: 'one fails: 500 and the listing, verbose or not', checks: [ok('ping'), failing('etcd')], verbose: false, want: { status: 500, body: '[+]ping ok\n[-]etcd failed: reason withheld\nlivez check failed\n' } },
    {
      name: 'an excluded check does not fail it; an unknown one is warned about',
      checks: [ok('ping'), failing('etcd')],
      verbose: true,
      exclude: ['etcd', 'nope'],
      want: { status: 200, body: '[+]ping ok\n[+]etcd excluded: ok\nwarn: some health checks cannot be excluded: no matches for "nope"\nlivez check passed\n' },
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const exclude = c.exclude ?? [];
      assert.deepEqual(renderHealth('livez', await runChecks(c.checks, 'livez', exclude), c.verbose, exclude), c.want);
    });
  }

  it('one check on its own path', async () => {
    const [good, bad] = await runChecks([ok('ping'), failing('etcd')], 'livez', []);
    assert.deepEqual(renderSingle(good), { status: 200, body: 'ok' });
    assert.deepEqual(renderSingle(bad), { status: 500, body: 'internal server error: store down\n' });
    assert.equal(renderSingle(undefined), undefined);
  });

  it('a check that hangs fails after its time', async () => {
    await assert.rejects(within(20, 'the store', new Promise(() => {})), /the store: no answer within 0.02s/);
    assert.equal(await within(1000, 'x', Promise.resolve(7)), 7);
  });
});
