// The HPA controller against the in-process API: a Deployment's pods with CPU requests, pod
// metrics handed in as metrics-server would serve them; it rescales the Deployment, writes
// status and conditions, and records SuccessfulRescale, as upstream does.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { HorizontalPodAutoscaler } from '../../apis/autoscaling/horizontalpodautoscalers.js';
import type { PodMetrics } from '../../apis/metrics/metrics.js';
import { R, type Client } from '../../client/client.js';
import { EventRecorder } from '../../client/events.js';
import { rfc3339 } from '../../util/time.js';
import { startTestApi, type TestApi } from '../../../test/support/api.js';
import { eventually } from '../../../test/support/eventually.js';
import { HPA } from './horizontal.js';
import { startHorizontalPodAutoscaler, type Autoscaler } from './index.js';

const log = pino({ level: 'silent' });
const LONG_AGO = rfc3339(new Date(Date.now() - 3_600_000));

describe('HorizontalPodAutoscaler controller', () => {
  let api: TestApi;
  let client: Client;
  let hpa: Autoscaler;
  /** Each pod's CPU in millicores; absent: no metrics yet. */
  const usage = new Map<string, number>();

  const podMetrics = async (ns: string): Promise<PodMetrics[]> =>
    [...usage].map(([name, m]) => ({
      apiVersion: 'metrics.k8s.io/v1beta1',
      kind: 'PodMetrics',
      metadata: { name, namespace: ns },
      timestamp: rfc3339(new Date()),
      window: '10s',
      containers: [{ name: 'php', usage: { cpu: `${m * 1_000_000}n`, memory: '10Mi' } }],
    }));

  async function runningPod(name: string): Promise<void> {
    await client.create(R.pods, 'default', {
      metadata: { name, labels: { run: 'php-apache' } },
      spec: { containers: [{ name: 'php', image: 'registry.k8s.io/hpa-example', resources: { requests: { cpu: '200m' } } }] },
    });
    const pod = await client.get(R.pods, 'default', name);
    await client.update(R.pods, 'default', { ...pod, status: { phase: 'Running', startTime: LONG_AGO, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: LONG_AGO }] } }, { subresource: 'status' });
  }

  before(async () => {
    api = await startTestApi();
    client = api.client('hpa-test');
    // No ReplicaSet controller here: the Deployment is only the scale target.
    await client.create(R.deployments, 'default', {
      metadata: { name: 'php-apache' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { run: 'php-apache' } },
        template: { metadata: { labels: { run: 'php-apache' } }, spec: { containers: [{ name: 'php', image: 'registry.k8s.io/hpa-example' }] } },
      },
    });
    await runningPod('p1');
    await runningPod('p2');
    hpa = await startHorizontalPodAutoscaler({ client, log, events: new EventRecorder(client, 'horizontal-pod-autoscaler'), podMetrics, syncPeriodMs: 100 });
  });
  after(async () => {
    hpa.stop();
    await api.close();
  });

  const get = (): Promise<HorizontalPodAutoscaler> => client.get<HorizontalPodAutoscaler>(HPA, 'default', 'php-apache');
  const condition = (h: HorizontalPodAutoscaler, type: string) => h.status?.conditions?.find((c) => c.type === type);

  it('without metrics: ScalingActive False with upstream words, and no rescale', async () => {
    await client.create(HPA, 'default', {
      metadata: { name: 'php-apache' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'php-apache' },
        minReplicas: 1,
        maxReplicas: 10,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
        behavior: { scaleDown: { stabilizationWindowSeconds: 0 } },
      },
    });
    const h = await eventually(async () => {
      const x = await get();
      return condition(x, 'ScalingActive') ? x : undefined;
    }, 5000, 'ScalingActive');
    assert.equal(condition(h, 'ScalingActive')!.status, 'False');
    assert.equal(condition(h, 'ScalingActive')!.reason, 'FailedGetResourceMetric');
    assert.match(condition(h, 'ScalingActive')!.message!, /no metrics returned from resource metrics API/);
    assert.equal(h.status?.currentReplicas, 2);
    assert.equal((await client.get(R.deployments, 'default', 'php-apache')).spec.replicas, 2);
  });

  it('under load it scales up by the ratio to the target, and says why', async () => {
    // 200m each of 200m requested: 100% against 50% → 4 replicas.
    usage.set('p1', 200).set('p2', 200);
    const replicas = await eventually(async () => {
      const d = await client.get(R.deployments, 'default', 'php-apache');
      return d.spec.replicas !== 2 ? d.spec.replicas : undefined;
    }, 5000, 'a rescale');
    assert.equal(replicas, 4);
    const h = await eventually(async () => {
      const x = await get();
      return x.status?.desiredReplicas === 4 ? x : undefined;
    }, 5000, 'status');
    assert.deepEqual(h.status?.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageValue: '200m', averageUtilization: 100 } } }]);
    assert.equal(condition(h, 'ScalingActive')!.reason, 'ValidMetricFound');
    assert.ok(h.status?.lastScaleTime);
    const events = (await client.list(R.events, 'default')).items.filter((e) => e.reason === 'SuccessfulRescale');
    assert.deepEqual(events.map((e) => e.message), ['New size: 4; reason: cpu resource utilization (percentage of request) above target']);
  });

  it('idle, it scales down to minReplicas once its window (0 s here) allows', async () => {
    usage.set('p1', 1).set('p2', 1);
    await eventually(async () => ((await client.get(R.deployments, 'default', 'php-apache')).spec.replicas === 1 ? true : undefined), 5000, 'scale down');
    const events = (await client.list(R.events, 'default')).items.filter((e) => e.reason === 'SuccessfulRescale').map((e) => e.message);
    assert.ok(events.includes('New size: 1; reason: All metrics below target'), events.join('\n'));
  });
});
