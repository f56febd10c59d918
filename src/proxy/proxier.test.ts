import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../../test/support/fake-clock.js';
import { createProxyMetrics } from './metrics.js';
import { FULL_SYNC_PERIOD_MS, Proxier, type Mode } from './proxier.js';
import type { ProxyState } from './state/types.js';
import { service, slice } from '../../test/proxy/objects.js';

class RecordingMode implements Mode {
  readonly name = 'recording';
  applied: ProxyState[] = [];
  fullSyncs = 0;
  fail = false;
  async apply(state: ProxyState): Promise<void> {
    if (this.fail) throw new Error('apply failed');
    this.applied.push(state);
  }
  async stop(): Promise<void> {}
  requestFullSync(): void {
    this.fullSyncs++;
  }
}

function setup() {
  const clock = new FakeClock();
  const mode = new RecordingMode();
  const after: [number, number][] = [];
  const proxier = new Proxier({ nodeName: 'node-1', nodePortIPs: [] }, mode, clock, createProxyMetrics(), () => undefined, async (prev, cur) => void after.push([prev.ports.size, cur.ports.size]));
  proxier.setServicesSynced();
  proxier.setEndpointSlicesSynced();
  return { clock, mode, proxier, after };
}

describe('Proxier', () => {
  it('hands afterApply the state applied before and the one applied now; not after a failed apply', async () => {
    const { mode, proxier, after } = setup();
    await proxier.sync();
    proxier.onService(undefined, service('a'));
    proxier.onEndpointSlice(slice('a', [{ ip: '10.244.1.5' }]), false);
    mode.fail = true;
    await assert.rejects(proxier.sync());
    mode.fail = false;
    await proxier.sync();
    assert.deepEqual(after, [[0, 0], [0, 1]]);
  });

  it('asks the mode for a full sync once per period', async () => {
    const { clock, mode, proxier } = setup();
    await proxier.sync();
    clock.advance(FULL_SYNC_PERIOD_MS - 1);
    await proxier.sync();
    assert.equal(mode.fullSyncs, 0);
    clock.advance(1);
    await proxier.sync();
    await proxier.sync();
    assert.equal(mode.fullSyncs, 1);
  });

  it('records network programming latency from the change to the apply', async () => {
    const clock = new FakeClock();
    const metrics = createProxyMetrics();
    const p = new Proxier({ nodeName: 'node-1', nodePortIPs: [] }, new RecordingMode(), clock, metrics, () => undefined);
    p.setServicesSynced();
    p.setEndpointSlicesSynced();
    p.onService(undefined, service('a'));
    clock.advance(250);
    await p.sync();
    const h = await metrics.programmingLatency.get();
    assert.equal(h.values.find((v) => v.metricName?.endsWith('_sum'))?.value, 0.25);
  });
});
