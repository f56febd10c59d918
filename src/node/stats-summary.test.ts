import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../apis/core/pods.js';
import type { UsageSample } from '../api/metrics/resource-metrics.js';
import { interfacesOf, renderSummary } from './stats-summary.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const pod: Pod = { metadata: { name: 'web', namespace: 'default', uid: 'u1' }, status: { phase: 'Running', startTime: '2026-01-01T00:00:00Z' } };
const sample = (at: number, cpu: number): UsageSample => ({
  timestampMs: at,
  node: { cpuSeconds: 100 + cpu, memoryBytes: 1000 },
  containers: [
    { namespace: 'default', pod: 'web', container: 'a', startTime: T0 / 1000, cpuSeconds: cpu, memoryBytes: 10, pid: 42 },
    { namespace: 'default', pod: 'web', container: 'b', startTime: T0 / 1000, cpuSeconds: 1, memoryBytes: 5, pid: 43 },
  ],
});
const eth0 = { name: 'eth0', rxBytes: 7, rxErrors: 0, txBytes: 9, txErrors: 0 };

describe('the Summary API (/stats/summary)', () => {
  it('first read: cumulative CPU only; second: usageNanoCores between the two', () => {
    const first = renderSummary({ nodeName: 'n1', nodeStartMs: T0, sample: sample(T0 + 10_000, 2), pods: [pod], nodeInterfaces: [eth0], podInterfaces: () => [eth0] });
    assert.deepEqual(first.node.cpu, { time: '2026-01-01T00:00:10Z', usageCoreNanoSeconds: 102e9 });
    assert.equal(first.pods[0]!.containers[0]!.cpu.usageNanoCores, undefined);
    const pids: (number | undefined)[] = [];
    const second = renderSummary({
      nodeName: 'n1',
      nodeStartMs: T0,
      previous: sample(T0 + 10_000, 2),
      sample: sample(T0 + 20_000, 7),
      pods: [pod],
      nodeInterfaces: [eth0],
      podInterfaces: (pid) => (pids.push(pid), [eth0]),
    });
    assert.equal(second.node.cpu.usageNanoCores, 500_000_000);
    const web = second.pods[0]!;
    assert.deepEqual(web.podRef, { name: 'web', namespace: 'default', uid: 'u1' });
    assert.deepEqual(web.containers.map((c) => [c.name, c.cpu.usageNanoCores]), [['a', 500_000_000], ['b', 0]]);
    assert.deepEqual(web.cpu, { time: '2026-01-01T00:00:20Z', usageCoreNanoSeconds: 8e9, usageNanoCores: 500_000_000 });
    assert.equal(web.memory.workingSetBytes, 15);
    assert.deepEqual(pids, [42]);
    assert.equal(web.network.name, 'eth0');
    assert.equal(web.network.rxBytes, 7);
  });

  it('reads this process\'s interfaces from /proc (lo left out)', () => {
    assert.ok(interfacesOf().every((i) => i.name !== 'lo' && Number.isInteger(i.rxBytes)));
    assert.deepEqual(interfacesOf(2 ** 30), []);
  });
});
