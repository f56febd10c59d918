import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProxyMetrics } from '../../metrics.js';
import { serviceStats } from './stats.js';

test('per-endpoint counters: connections opened, open now, bytes of closed and of open connections', () => {
  const stats = serviceStats(createProxyMetrics(), { key: 'default/web:http/TCP', namespace: 'default', name: 'web' });
  const first = { bytesIn: 0, bytesOut: 0 };
  const second = { bytesIn: 0, bytesOut: 0 };
  stats.opened('10.0.0.1:80', first);
  stats.opened('10.0.0.1:80', second);
  stats.opened('10.0.0.2:80', { bytesIn: 0, bytesOut: 0 });
  Object.assign(first, { bytesIn: 100, bytesOut: 2000 });
  stats.closed('10.0.0.1:80', first);
  Object.assign(second, { bytesIn: 5, bytesOut: 50 });
  assert.equal(stats.open(), 2);
  assert.deepEqual(stats.traffic(), [
    { service: 'default/web:http/TCP', namespace: 'default', name: 'web', endpoint: '10.0.0.1:80', connections: 2, open: 1, bytesIn: 105, bytesOut: 2050 },
    { service: 'default/web:http/TCP', namespace: 'default', name: 'web', endpoint: '10.0.0.2:80', connections: 1, open: 1, bytesIn: 0, bytesOut: 0 },
  ]);
});
