// metrics.k8s.io through real kubectl: `kubectl top nodes` and `kubectl top pods --containers`
// print the usage the node measured in /proc, a pod burning a core stands out from an idle one,
// and a node's /metrics/resource is the kubelet's Prometheus text.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Tinykube, eventually, rows } from './harness.js';

const MANIFEST = `
apiVersion: v1
kind: Pod
metadata: {name: burner}
spec:
  containers:
  - {name: spin, image: busybox, command: ["sh", "-c", "while :; do :; done"]}
  - {name: idle, image: busybox, command: ["sleep", "3600"]}
---
apiVersion: v1
kind: Pod
metadata: {name: quiet, labels: {app: quiet}}
spec:
  containers:
  - {name: web, image: nginx}
`;

/** `250m` → 250, `1` → 1000; `12Mi` → 12. */
const millicores = (cpu: string): number => (cpu.endsWith('m') ? Number(cpu.slice(0, -1)) : Number(cpu) * 1000);

describe('metrics.k8s.io and kubectl top', { timeout: 90_000 }, () => {
  let t: Tinykube;

  before(async () => {
    t = await Tinykube.start();
    t.k(['apply', '-f', t.manifest('pods.yaml', MANIFEST)]);
    t.k(['wait', '--for=condition=Ready', 'pod/burner', 'pod/quiet', '--timeout=60s']);
  });
  after(async () => {
    t.k(['delete', 'pod', 'burner', 'quiet', '--now', '--ignore-not-found']);
    await t?.destroy();
  });

  it('discovery lists the metrics.k8s.io group', () => {
    assert.match(t.k(['api-resources', '--api-group=metrics.k8s.io']), /pods\s+metrics.k8s.io\/v1beta1\s+true\s+PodMetrics/);
  });

  it('kubectl top pods --containers: the spinning container uses CPU, the others next to none', async (c) => {
    const table = await eventually(() => {
      const r = t.kubectl(['top', 'pods', '--containers']);
      if (r.code !== 0) throw new Error(`${r.stderr}${t.k(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods'])}`);
      return rows(r.stdout).length >= 3 ? r.stdout : undefined;
    }, 30_000, 'pod metrics', 1000);
    assert.deepEqual(table.split('\n')[0]!.trim().split(/\s+/), ['POD', 'NAME', 'CPU(cores)', 'MEMORY(bytes)']);
    c.diagnostic(table);
    const lines = rows(table);
    const cell = (pod: string, container: string): string[] => lines.find((l) => l[0] === pod && l[1] === container) ?? assert.fail(`no ${pod}/${container} in\n${table}`);
    assert.ok(millicores(cell('burner', 'spin')[2]!) >= 300, table);
    assert.ok(millicores(cell('burner', 'idle')[2]!) < 50, table);
    assert.ok(millicores(cell('quiet', 'web')[2]!) < 100, table);
    // nginx runs in the node's image host: its share of that process's memory (all of it here).
    assert.ok(Number(cell('quiet', 'web')[3]!.replace('Mi', '')) >= 5, table);
  });

  it('kubectl top pods -l selects on the pods\' labels', () => {
    const out = t.k(['top', 'pods', '-l', 'app=quiet']);
    assert.deepEqual(rows(out).map((r) => r[0]), ['quiet'], out + t.k(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dquiet']));
  });

  it('kubectl top nodes prints the node with its CPU and memory percentages', async (c) => {
    const out = await eventually(() => t.k(['top', 'nodes']), 20_000, 'node metrics', 1000);
    c.diagnostic(out);
    assert.deepEqual(out.split('\n')[0]!.trim().split(/\s+/), ['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)']);
    const [node] = rows(out);
    assert.ok(millicores(node![1]!) >= 300, out);
    assert.match(node![2]!, /^\d+%$/);
  });

  it("a node's /metrics/resource is the kubelet's Prometheus text", () => {
    const node = t.k(['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}']);
    const text = t.k(['get', '--raw', `/api/v1/nodes/${node}/proxy/metrics/resource`]);
    assert.match(text, /# TYPE container_cpu_usage_seconds_total counter/);
    assert.match(text, /container_memory_working_set_bytes\{container="spin",namespace="default",pod="burner"\} \d+ \d+/);
    assert.match(text, /^node_cpu_usage_seconds_total [\d.]+ \d+$/m);
  });

  it("a node's /metrics is the kubelet's own series", () => {
    const node = t.k(['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}']);
    const text = t.k(['get', '--raw', `/api/v1/nodes/${node}/proxy/metrics`]);
    assert.match(text, new RegExp(`^kubelet_node_name\\{node="${node}"\\} 1$`, 'm'));
    const running = Number(/^kubelet_running_pods (\d+)$/m.exec(text)?.[1]);
    assert.ok(running >= 2, text);
    assert.match(text, /^process_resident_memory_bytes \d+$/m);
  });

  it("a node's /stats/summary: the Summary API's node and pods, with CPU rates from the second read", () => {
    const node = t.k(['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}']);
    const read = () => JSON.parse(t.k(['get', '--raw', `/api/v1/nodes/${node}/proxy/stats/summary`]));
    read();
    const s = read();
    assert.equal(s.node.nodeName, node);
    assert.ok(s.node.memory.workingSetBytes > 0);
    const burner = s.pods.find((p: { podRef: { name: string } }) => p.podRef.name === 'burner');
    assert.ok(burner, JSON.stringify(s.pods.map((p: { podRef: unknown }) => p.podRef)));
    const spin = burner.containers.find((c: { name: string }) => c.name === 'spin');
    assert.ok(spin.cpu.usageNanoCores > 100_000_000, JSON.stringify(spin));
    assert.ok(burner.cpu.usageCoreNanoSeconds >= spin.cpu.usageCoreNanoSeconds);
    assert.equal(typeof burner.network.rxBytes, 'number');
  });
});
