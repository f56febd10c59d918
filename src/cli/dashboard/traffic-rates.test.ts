import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TrafficReport } from '../../proxy/traffic.js';
import { trafficRates } from './traffic-rates.js';

const report = (at: number, connections: number, bytes: number): TrafficReport => ({
  node: 'n1',
  mode: 'userspace',
  at,
  endpoints: [{ service: 'default/web:/TCP', namespace: 'default', name: 'web', endpoint: '10.0.0.1:80', connections, open: 1, bytesIn: bytes / 2, bytesOut: bytes / 2 }],
});

const cases: { name: string; previous?: TrafficReport; current: TrafficReport; want: [number, number] }[] = [
  { name: 'first reading: no rate yet', current: report(1000, 5, 100), want: [0, 0] },
  { name: 'per second over the interval', previous: report(1000, 5, 100), current: report(3000, 9, 500), want: [2, 200] },
  { name: 'counters went down (restarted from zero): what they hold now, never negative', previous: report(1000, 9, 500), current: report(2000, 1, 10), want: [1, 10] },
];

for (const c of cases) {
  test(`traffic rates: ${c.name}`, () => {
    const [r] = trafficRates(c.previous, c.current);
    assert.deepEqual([r.connectionsPerSecond, r.bytesPerSecond], c.want);
    assert.equal(r.node, 'n1');
  });
}

test('traffic rates: a kernel mode counts connections, no bytes, nothing open', () => {
  const kernel = (at: number, connections: number): TrafficReport => ({ node: 'n2', mode: 'nftables', at, endpoints: [{ service: 'default/web:/TCP', namespace: 'default', name: 'web', endpoint: '10.0.0.1:80', connections }] });
  const [r] = trafficRates(kernel(1000, 3), kernel(1500, 5));
  assert.equal(r.connectionsPerSecond, 4);
  assert.equal(r.bytesPerSecond, undefined);
  assert.equal(r.open, undefined);
  assert.equal(r.node, 'n2');
});
