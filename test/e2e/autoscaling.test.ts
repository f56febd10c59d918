// The HorizontalPodAutoscaler walkthrough (kubernetes.io/docs/tasks/run-application/
// horizontal-pod-autoscale-walkthrough) with real kubectl: php-apache with a 200m CPU request,
// `kubectl autoscale ... --cpu-percent=50 --min=1 --max=10`, `<unknown>/50%` before metrics,
// a busybox load generator that makes it scale out, and back to 1 once the load stops. The
// scale-down window is shortened through the HPA's own behavior, as a user would.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Tinykube, eventually, rows } from './harness.js';

const PHP_APACHE = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: php-apache}
spec:
  selector: {matchLabels: {run: php-apache}}
  template:
    metadata: {labels: {run: php-apache}}
    spec:
      containers:
      - name: php-apache
        image: registry.k8s.io/hpa-example
        ports: [{containerPort: 80}]
        resources:
          limits: {cpu: 500m}
          requests: {cpu: 200m}
---
apiVersion: v1
kind: Service
metadata: {name: php-apache, labels: {run: php-apache}}
spec:
  ports: [{port: 80}]
  selector: {run: php-apache}
`;

const millicores = (cpu: string): number => (cpu.endsWith('m') ? Number(cpu.slice(0, -1)) : Number(cpu) * 1000);

describe('HorizontalPodAutoscaler: the walkthrough', { timeout: 150_000 }, () => {
  let t: Tinykube;
  const replicas = (): number => Number(t.k(['get', 'deploy', 'php-apache', '-o', 'jsonpath={.spec.replicas}']));

  before(async () => {
    t = await Tinykube.start();
    t.k(['apply', '-f', t.manifest('php-apache.yaml', PHP_APACHE)]);
    t.k(['rollout', 'status', 'deploy/php-apache', '--timeout=60s']);
  });
  after(async () => {
    await t?.destroy();
  });

  it('kubectl autoscale creates it; get hpa shows <unknown>/50% before the first metrics', (c) => {
    const out = t.kubectl(['autoscale', 'deployment', 'php-apache', '--cpu-percent=50', '--min=1', '--max=10', '-v=6']);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout.trim(), 'horizontalpodautoscaler.autoscaling/php-apache autoscaled');
    c.diagnostic(out.stderr.split('\n').filter((l) => /POST/.test(l)).join('\n'));
    const table = t.k(['get', 'hpa']);
    c.diagnostic(table);
    assert.deepEqual(table.split('\n')[0]!.trim().split(/\s+/), ['NAME', 'REFERENCE', 'TARGETS', 'MINPODS', 'MAXPODS', 'REPLICAS', 'AGE']);
    assert.match(table, /^php-apache\s+Deployment\/php-apache\s+cpu: <unknown>\/50%\s+1\s+10\s+\d+\s+\d+s$/m);
    t.k(['patch', 'hpa', 'php-apache', '--type=merge', '-p', '{"spec":{"behavior":{"scaleDown":{"stabilizationWindowSeconds":5}}}}']);
    // Both versions read the same object: v1 carries the v2-only behavior in an annotation.
    const v1 = JSON.parse(t.k(['get', '--raw', '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/php-apache']));
    assert.equal(v1.spec.targetCPUUtilizationPercentage, 50);
    assert.equal(JSON.parse(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/behavior']).scaleDown.stabilizationWindowSeconds, 5);
    assert.equal(t.k(['get', 'hpa.v2.autoscaling', 'php-apache', '-o', 'jsonpath={.spec.metrics[0].resource.target.averageUtilization}']), '50');
  });

  it('bad input gets the API server\'s words', () => {
    const r = t.kubectl(['autoscale', 'deployment', 'php-apache', '--name=bad', '--cpu-percent=50', '--min=0', '--max=3']);
    // --min=0 means "unset" to kubectl; so ask for an impossible target through apply.
    assert.equal(r.code, 0, r.stderr);
    const bad = t.kubectl(['patch', 'hpa', 'bad', '--type=merge', '-p', '{"spec":{"minReplicas":5}}']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /The HorizontalPodAutoscaler "bad" is invalid: spec.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`/);
    t.k(['delete', 'hpa', 'bad']);
  });

  it('under load it scales out, get hpa and kubectl top show the figures', async (c) => {
    const ip = t.k(['get', 'svc', 'php-apache', '-o', 'jsonpath={.spec.clusterIP}']);
    // The walkthrough's generator; by ClusterIP, since names do not resolve in loopback pods.
    t.k(['run', 'load-generator', '--image=busybox:1.28', '--restart=Never', '--', '/bin/sh', '-c', `while sleep 0.01; do wget -q -O- http://${ip}; done`]);
    const n = await eventually(() => (replicas() > 1 ? replicas() : undefined), 60_000, 'a scale out', 1000);
    const table = t.k(['get', 'hpa', 'php-apache']);
    c.diagnostic(`${n} replicas\n${table}`);
    const [, , target] = /cpu: (\d+)%\/(50)%/.exec(table) ?? assert.fail(`no figure in\n${table}`);
    assert.equal(target, '50');
    const top = t.k(['top', 'pods', '-l', 'run=php-apache']);
    c.diagnostic(top);
    assert.ok(rows(top).some((r) => millicores(r[1]!) >= 50), top);
    const describe = t.k(['describe', 'hpa', 'php-apache']);
    c.diagnostic(describe);
    assert.match(describe, /SuccessfulRescale\s+.*New size: \d+; reason: cpu resource utilization \(percentage of request\) above target/);
    assert.match(describe, /ScalingActive\s+True\s+ValidMetricFound/);
  });

  it('without load it scales back to 1 after its window', async (c) => {
    t.k(['delete', 'pod', 'load-generator', '--now']);
    await eventually(() => (replicas() === 1 ? true : undefined), 60_000, 'a scale in', 1000);
    const describe = t.k(['describe', 'hpa', 'php-apache']);
    c.diagnostic(describe);
    assert.match(describe, /New size: 1; reason: All metrics below target/);
  });
});
