// k8s.io/api/autoscaling/v1: Scale, the body of the scale subresource.

import { f, inPackage, int32, str } from './dsl.js';
import { ObjectMeta } from './meta.js';

const autoscaling = inPackage('io.k8s.api.autoscaling.v1');

export const Scale = autoscaling('Scale', {
  metadata: f(1, ObjectMeta),
  spec: f(2, autoscaling('ScaleSpec', { replicas: f(1, int32) })),
  status: f(3, autoscaling('ScaleStatus', { replicas: f(1, int32), selector: f(2, str) })),
});
