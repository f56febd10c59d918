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

test('traffic rates: a kernel mode counts connections and bytes both ways (one count), nothing open; a byte counter restarting alone', () => {
  const kernel = (at: number, connections: number, bytes: number): TrafficReport => ({ node: 'n2', mode: 'nftables', at, endpoints: [{ service: 'default/web:/TCP', namespace: 'default', name: 'web', endpoint: '10.0.0.1:80', connections, bytes }] });
  const [r] = trafficRates(kernel(1000, 3, 1000), kernel(1500, 5, 3000));
  assert.deepEqual([r!.connectionsPerSecond, r!.bytesPerSecond, r!.open, r!.node], [4, 4000, undefined, 'n2']);
  // The endpoint's byte counter was recreated (its ipset element or map element went with its
  // last service port and came back with a new one); its connection counter was not.
  const [again] = trafficRates(kernel(1500, 5, 3000), kernel(2000, 6, 200));
  assert.deepEqual([again!.connectionsPerSecond, again!.bytesPerSecond], [2, 400]);
});
