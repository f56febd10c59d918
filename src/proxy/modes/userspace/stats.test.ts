import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProxyMetrics } from '../../metrics.js';
import { serviceStats } from './stats.js';

test('per-endpoint counters: connections opened, open now, bytes when a connection closes', () => {
  const stats = serviceStats(createProxyMetrics(), { key: 'default/web:http/TCP', namespace: 'default', name: 'web' });
  stats.opened('10.0.0.1:80');
  stats.opened('10.0.0.1:80');
  stats.opened('10.0.0.2:80');
  stats.closed('10.0.0.1:80', 100, 2000);
  assert.equal(stats.open(), 2);
  assert.deepEqual(stats.traffic(), [
    { service: 'default/web:http/TCP', namespace: 'default', name: 'web', endpoint: '10.0.0.1:80', connections: 2, open: 1, bytesIn: 100, bytesOut: 2000 },
    { service: 'default/web:http/TCP', namespace: 'default', name: 'web', endpoint: '10.0.0.2:80', connections: 1, open: 1, bytesIn: 0, bytesOut: 0 },
  ]);
});
