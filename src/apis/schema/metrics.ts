// k8s.io/metrics/pkg/apis/metrics/v1beta1: NodeMetrics and PodMetrics, what metrics-server serves.

import { atomicList, f, inPackage, mapOf, quantity, str, time } from './dsl.js';
import { ObjectMeta } from './meta.js';

const metrics = inPackage('io.k8s.metrics.pkg.apis.metrics.v1beta1');

const window = f(3, str);

export const NodeMetrics = metrics('NodeMetrics', {
  metadata: f(1, ObjectMeta),
  timestamp: f(2, time),
  window,
  usage: f(4, mapOf(quantity)),
});

const ContainerMetrics = metrics('ContainerMetrics', { name: f(1, str), usage: f(2, mapOf(quantity)) });

export const PodMetrics = metrics('PodMetrics', {
  metadata: f(1, ObjectMeta),
  timestamp: f(2, time),
  window,
  containers: f(4, atomicList(ContainerMetrics)),
});
