import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi, type TestApi } from '../../../test/support/api.js';
import { StatusError } from '../../util/status-errors.js';
import { horizontalPodAutoscalers, targetsCell, type HorizontalPodAutoscaler } from './horizontalpodautoscalers.js';
import { hpaFromV1, hpaToV1, type HorizontalPodAutoscalerV1 } from './hpa-v1.js';

const V2 = { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers' };
const V1 = { group: 'autoscaling', version: 'v1', resource: 'horizontalpodautoscalers' };
const msgs = (errs: { field: string; message: string }[]): string[] => errs.map((e) => `${e.field}: ${e.message}`);

function hpa(spec: Partial<HorizontalPodAutoscaler['spec']> = {}): HorizontalPodAutoscaler {
  return {
    metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5, ...spec },
  };
}

describe('HorizontalPodAutoscaler (autoscaling/v2)', () => {
  it('defaults minReplicas, an 80% CPU target, and every rule of a behavior that is set', () => {
    const h = hpa({ behavior: { scaleDown: { stabilizationWindowSeconds: 5 } } });
    horizontalPodAutoscalers.defaults!(h);
    assert.equal(h.spec.minReplicas, 1);
    assert.deepEqual(h.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
    assert.deepEqual(h.spec.behavior, {
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
      scaleDown: { stabilizationWindowSeconds: 5, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    });
  });

  const cases: { name: string; spec: Partial<HorizontalPodAutoscaler['spec']>; want: string[] }[] = [
    { name: 'valid', spec: {}, want: [] },
    { name: 'min above max', spec: { minReplicas: 6 }, want: ['spec.maxReplicas: Invalid value: 5: must be greater than or equal to `minReplicas`'] },
    { name: 'min 0', spec: { minReplicas: 0 }, want: ['spec.minReplicas: Invalid value: 0: must be greater than or equal to 1'] },
    { name: 'max 0', spec: { maxReplicas: 0, minReplicas: 0 }, want: ['spec.minReplicas: Invalid value: 0: must be greater than or equal to 1', 'spec.maxReplicas: Invalid value: 0: must be greater than 0'] },
    { name: 'no target', spec: { scaleTargetRef: { kind: '', name: 'a/b' } }, want: ['spec.scaleTargetRef.kind: Required value', "spec.scaleTargetRef.name: Invalid value: \"a/b\": may not contain '/'"] },
    {
      name: 'utilization below 1',
      spec: { metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 0 } } }] },
      want: ['spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0'],
    },
    {
      name: 'a metric without its source',
      spec: { metrics: [{ type: 'Resource' }, { type: 'Nope' }] },
      want: [
        'spec.metrics[0].resource: Required value: must populate information for the given metric source',
        'spec.metrics[1].type: Unsupported value: "Nope": supported values: "ContainerResource", "External", "Object", "Pods", "Resource"',
      ],
    },
    {
      name: 'behavior out of range',
      spec: { behavior: { scaleDown: { stabilizationWindowSeconds: 3601, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 0, periodSeconds: 1801 }] } } },
      want: [
        'spec.behavior.scaleDown.stabilizationWindowSeconds: Invalid value: 3601: must be less than or equal to 3600',
        'spec.behavior.scaleDown.policies[0].value: Invalid value: 0: must be greater than zero',
        'spec.behavior.scaleDown.policies[0].periodSeconds: Invalid value: 1801: must be less than or equal to 1800',
      ],
    },
  ];
  for (const c of cases) {
    it(`validates: ${c.name}`, () => {
      const h = hpa(c.spec);
      horizontalPodAutoscalers.defaults!(h);
      assert.deepEqual(msgs(horizontalPodAutoscalers.validate!(h)), c.want);
    });
  }

  it('prints TARGETS as kubectl does: <unknown> before metrics, then the figure', () => {
    const h = hpa({ metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] });
    assert.equal(targetsCell(h), 'cpu: <unknown>/50%');
    h.status = { currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 30, averageValue: '60m' } } }] };
    assert.equal(targetsCell(h), 'cpu: 30%/50%');
    h.spec.metrics!.push(
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '200Mi' } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 70 } } },
    );
    assert.equal(targetsCell(h), 'cpu: 30%/50%, memory: <unknown>/200Mi + 1 more...');
    assert.deepEqual(horizontalPodAutoscalers.row(h, new Date('2024-01-01T00:03:00Z')), ['web', 'Deployment/web', 'cpu: 30%/50%, memory: <unknown>/200Mi + 1 more...', '<unset>', 5, 0, '3m']);
  });
});

describe('autoscaling/v1 from the same storage', () => {
  let api: TestApi;
  before(async () => (api = await startTestApi()));
  after(() => api.close());

  it('a v2 object with memory and behavior survives a v1 round trip', () => {
    const h = hpa({
      metrics: [
        { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '200Mi' } } },
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 5, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 15 }] } },
    });
    h.status = { currentReplicas: 2, desiredReplicas: 3, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 70, averageValue: '140m' } } }], conditions: [{ type: 'AbleToScale', status: 'True', reason: 'SucceededRescale' }] };
    const v1 = hpaToV1(h);
    assert.equal(v1.spec.targetCPUUtilizationPercentage, 50);
    assert.equal(v1.status!.currentCPUUtilizationPercentage, 70);
    assert.deepEqual(JSON.parse(v1.metadata.annotations!['autoscaling.alpha.kubernetes.io/metrics']!), [{ type: 'Resource', resource: { name: 'memory', targetAverageValue: '200Mi' } }]);
    const back = hpaFromV1(v1);
    assert.deepEqual(back.status, h.status);
    assert.deepEqual(new Set(back.spec.metrics!.map((m) => JSON.stringify(m))), new Set(h.spec.metrics!.map((m) => JSON.stringify(m))));
    assert.deepEqual(back.spec.behavior, h.spec.behavior);
    assert.equal(back.metadata.annotations, undefined);
  });

  it('creates through v1 and reads through v2 (and back), with v2 field paths in errors', async () => {
    const client = api.client();
    const created = await client.create<HorizontalPodAutoscalerV1>(V1, 'default', {
      metadata: { name: 'php-apache' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'php-apache' }, maxReplicas: 10, targetCPUUtilizationPercentage: 50 },
    });
    assert.equal(created.apiVersion, 'autoscaling/v1');
    assert.deepEqual(created.spec, { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'php-apache' }, minReplicas: 1, maxReplicas: 10, targetCPUUtilizationPercentage: 50 });
    assert.deepEqual(created.status, { currentReplicas: 0, desiredReplicas: 0 });
    const v2 = await client.get<HorizontalPodAutoscaler>(V2, 'default', 'php-apache');
    assert.equal(v2.apiVersion, 'autoscaling/v2');
    assert.deepEqual(v2.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }]);
    await client.patch(V2, 'default', 'php-apache', 'merge', { spec: { behavior: { scaleDown: { stabilizationWindowSeconds: 10 } } } });
    const again = await client.get<HorizontalPodAutoscalerV1>(V1, 'default', 'php-apache');
    assert.equal(JSON.parse(again.metadata.annotations!['autoscaling.alpha.kubernetes.io/behavior']!).scaleDown.stabilizationWindowSeconds, 10);
    // A v1 write of what it read keeps the v2-only behavior.
    await client.update(V1, 'default', { ...again, spec: { ...again.spec, maxReplicas: 7 } });
    const after = await client.get<HorizontalPodAutoscaler>(V2, 'default', 'php-apache');
    assert.equal(after.spec.maxReplicas, 7);
    assert.equal(after.spec.behavior?.scaleDown?.stabilizationWindowSeconds, 10);
    await assert.rejects(
      client.create(V1, 'default', { metadata: { name: 'bad' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'x' }, maxReplicas: 2, targetCPUUtilizationPercentage: 0 } }),
      (e: unknown) => e instanceof StatusError && e.code === 422 && /spec\.metrics\[0\]\.resource\.target\.averageUtilization: Invalid value: 0: must be greater than 0/.test(e.message),
    );
  });
});
