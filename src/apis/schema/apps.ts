// k8s.io/api/apps/v1: Deployment and ReplicaSet.

import { f, inPackage, int32, int64, intOrString, mapList, ptr, str, time, bool } from './dsl.js';
import { PodTemplateSpec } from './core.js';
import { LabelSelector, ObjectMeta } from './meta.js';

const apps = inPackage('io.k8s.api.apps.v1');

const DeploymentStrategy = apps('DeploymentStrategy', {
  type: f(1, str),
  rollingUpdate: f(
    2,
    apps('RollingUpdateDeployment', { maxUnavailable: ptr(1, intOrString), maxSurge: ptr(2, intOrString) }),
  ),
});

const DeploymentCondition = apps('DeploymentCondition', {
  type: f(1, str),
  status: f(2, str),
  lastUpdateTime: f(6, time),
  lastTransitionTime: f(7, time),
  reason: f(4, str),
  message: f(5, str),
});

export const Deployment = apps('Deployment', {
  metadata: f(1, ObjectMeta),
  spec: f(
    2,
    apps('DeploymentSpec', {
      replicas: ptr(1, int32),
      selector: f(2, LabelSelector),
      template: f(3, PodTemplateSpec),
      strategy: f(4, DeploymentStrategy, { patchStrategy: 'retainKeys' }),
      minReadySeconds: f(5, int32),
      revisionHistoryLimit: ptr(6, int32),
      paused: f(7, bool),
      progressDeadlineSeconds: ptr(9, int32),
    }),
  ),
  status: f(
    3,
    apps('DeploymentStatus', {
      observedGeneration: f(1, int64),
      replicas: f(2, int32),
      updatedReplicas: f(3, int32),
      readyReplicas: f(7, int32),
      availableReplicas: f(4, int32),
      unavailableReplicas: f(5, int32),
      terminatingReplicas: ptr(9, int32),
      conditions: f(6, mapList(DeploymentCondition, ['type'], 'type')),
      collisionCount: ptr(8, int32),
    }),
  ),
});

const ReplicaSetCondition = apps('ReplicaSetCondition', {
  type: f(1, str),
  status: f(2, str),
  lastTransitionTime: f(3, time),
  reason: f(4, str),
  message: f(5, str),
});

export const ReplicaSet = apps('ReplicaSet', {
  metadata: f(1, ObjectMeta),
  spec: f(
    2,
    apps('ReplicaSetSpec', {
      replicas: ptr(1, int32),
      minReadySeconds: f(4, int32),
      selector: f(2, LabelSelector),
      template: f(3, PodTemplateSpec),
    }),
  ),
  status: f(
    3,
    apps('ReplicaSetStatus', {
      replicas: f(1, int32),
      fullyLabeledReplicas: f(2, int32),
      readyReplicas: f(4, int32),
      availableReplicas: f(5, int32),
      terminatingReplicas: ptr(7, int32),
      observedGeneration: f(3, int64),
      conditions: f(6, mapList(ReplicaSetCondition, ['type'], 'type')),
    }),
  ),
});
