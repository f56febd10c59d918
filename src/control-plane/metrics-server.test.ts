import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseResourceMetrics, renderResourceMetrics, type UsageSample } from '../api/metrics/resource-metrics.js';
import { usageBetween } from './metrics-server.js';

const sample = (atMs: number, spin: number, started = 1_700_000_000): UsageSample => ({
  timestampMs: atMs,
  node: { cpuSeconds: 100 + spin, memoryBytes: 2 * 1024 ** 3 },
  containers: [
    { namespace: 'default', pod: 'burner', container: 'spin', cpuSeconds: spin, memoryBytes: 1024 * 1024, startTime: started },
    { namespace: 'default', pod: 'burner', container: 'idle', cpuSeconds: 0.01, memoryBytes: 512 * 1024, startTime: started },
  ],
});

describe('resource metrics', () => {
  it('renders the kubelet /metrics/resource text and parses it back', () => {
    const s = sample(1_700_000_010_000, 4.5);
    const text = renderResourceMetrics(s);
    assert.match(text, /^container_cpu_usage_seconds_total\{container="spin",namespace="default",pod="burner"\} 4.5 1700000010000$/m);
    assert.match(text, /^pod_cpu_usage_seconds_total\{namespace="default",pod="burner"\} 4.51 1700000010000$/m);
    assert.match(text, /^resource_scrape_error 0$/m);
    assert.deepEqual(parseResourceMetrics(text, 0), s);
  });

  it('usage is the CPU rate between two scrapes and the newest memory', () => {
    const { node, pods } = usageBetween('n1', sample(0, 1), sample(10_000, 6));
    assert.deepEqual(node.usage, { cpu: '500000000n', memory: '2097152Ki' });
    assert.equal(node.window, '10s');
    assert.deepEqual(pods[0]!.containers, [
      { name: 'spin', usage: { cpu: '500000000n', memory: '1024Ki' } },
      { name: 'idle', usage: { cpu: '0n', memory: '512Ki' } },
    ]);
  });

  it('a container that restarted between scrapes has no usage yet', () => {
    const { pods } = usageBetween('n1', sample(0, 1), sample(10_000, 0.5, 1_700_000_005));
    assert.deepEqual(pods, []);
  });
});
