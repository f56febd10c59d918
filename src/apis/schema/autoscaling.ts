// k8s.io/api/autoscaling: Scale (v1), the body of the scale subresource, and the
// HorizontalPodAutoscaler in v2 (stored) and v1 (converted, apis/autoscaling/hpa-v1.ts).

import { any, atomicList, f, inPackage, int32, int64, mapList, ptr, quantity, str, time } from './dsl.js';
import { ObjectMeta } from './meta.js';

const autoscaling = inPackage('io.k8s.api.autoscaling.v1');
const v2 = inPackage('io.k8s.api.autoscaling.v2');

export const Scale = autoscaling('Scale', {
  metadata: f(1, ObjectMeta),
  spec: f(2, autoscaling('ScaleSpec', { replicas: f(1, int32) })),
  status: f(3, autoscaling('ScaleStatus', { replicas: f(1, int32), selector: f(2, str) })),
});

const crossVersionRef = (pkg: typeof autoscaling) =>
  pkg('CrossVersionObjectReference', { kind: f(1, str), name: f(2, str), apiVersion: f(3, str) });

const MetricTarget = v2('MetricTarget', { type: f(1, str), value: ptr(2, quantity), averageValue: ptr(3, quantity), averageUtilization: ptr(4, int32) });
const MetricValueStatus = v2('MetricValueStatus', { value: ptr(1, quantity), averageValue: ptr(2, quantity), averageUtilization: ptr(3, int32) });

// Object, Pods and External metrics are accepted and kept, not described: only resource
// metrics are served (metrics.k8s.io), as a cluster without a custom metrics adapter does.
const MetricSpec = v2('MetricSpec', {
  type: f(1, str),
  object: ptr(2, any),
  pods: ptr(3, any),
  resource: ptr(4, v2('ResourceMetricSource', { name: f(1, str), target: f(2, MetricTarget) })),
  containerResource: ptr(7, v2('ContainerResourceMetricSource', { name: f(1, str), target: f(2, MetricTarget), container: f(3, str) })),
  external: ptr(5, any),
});

const MetricStatus = v2('MetricStatus', {
  type: f(1, str),
  object: ptr(2, any),
  pods: ptr(3, any),
  resource: ptr(4, v2('ResourceMetricStatus', { name: f(1, str), current: f(2, MetricValueStatus) })),
  containerResource: ptr(7, v2('ContainerResourceMetricStatus', { name: f(1, str), current: f(2, MetricValueStatus), container: f(3, str) })),
  external: ptr(5, any),
});

const HPAScalingRules = v2('HPAScalingRules', {
  stabilizationWindowSeconds: ptr(3, int32),
  selectPolicy: ptr(1, str),
  policies: f(2, atomicList(v2('HPAScalingPolicy', { type: f(1, str), value: f(2, int32), periodSeconds: f(3, int32) }))),
});

const condition = (pkg: typeof autoscaling) =>
  pkg('HorizontalPodAutoscalerCondition', { type: f(1, str), status: f(2, str), lastTransitionTime: f(3, time), reason: f(4, str), message: f(5, str) });

export const HorizontalPodAutoscalerV2 = v2('HorizontalPodAutoscaler', {
  metadata: f(1, ObjectMeta),
  spec: f(
    2,
    v2('HorizontalPodAutoscalerSpec', {
      scaleTargetRef: f(1, crossVersionRef(v2)),
      minReplicas: ptr(2, int32),
      maxReplicas: f(3, int32),
      metrics: f(4, atomicList(MetricSpec)),
      behavior: ptr(5, v2('HorizontalPodAutoscalerBehavior', { scaleUp: ptr(1, HPAScalingRules), scaleDown: ptr(2, HPAScalingRules) })),
    }),
  ),
  status: f(
    3,
    v2('HorizontalPodAutoscalerStatus', {
      observedGeneration: ptr(1, int64),
      lastScaleTime: ptr(2, time),
      currentReplicas: f(3, int32),
      desiredReplicas: f(4, int32),
      currentMetrics: f(5, atomicList(MetricStatus)),
      conditions: f(6, mapList(condition(v2), ['type'], 'type')),
    }),
  ),
});

export const HorizontalPodAutoscalerV1 = autoscaling('HorizontalPodAutoscaler', {
  metadata: f(1, ObjectMeta),
  spec: f(
    2,
    autoscaling('HorizontalPodAutoscalerSpec', {
      scaleTargetRef: f(1, crossVersionRef(autoscaling)),
      minReplicas: ptr(2, int32),
      maxReplicas: f(3, int32),
      targetCPUUtilizationPercentage: ptr(4, int32),
    }),
  ),
  status: f(
    3,
    autoscaling('HorizontalPodAutoscalerStatus', {
      observedGeneration: ptr(1, int64),
      lastScaleTime: ptr(2, time),
      currentReplicas: f(3, int32),
      desiredReplicas: f(4, int32),
      currentCPUUtilizationPercentage: ptr(5, int32),
    }),
  ),
});
