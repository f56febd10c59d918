// k8s.io/api/apps/v1: Deployment, ReplicaSet, StatefulSet, DaemonSet and ControllerRevision.

import { any, atomicList, f, inPackage, int32, int64, intOrString, mapList, ptr, str, time, bool } from './dsl.js';
import { PodTemplateSpec } from './core.js';
import { LabelSelector, ObjectMeta } from './meta.js';
import { PersistentVolumeClaim } from './storage.js';

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

const StatefulSetCondition = apps('StatefulSetCondition', {
  type: f(1, str),
  status: f(2, str),
  lastTransitionTime: f(3, time),
  reason: f(4, str),
  message: f(5, str),
});

export const StatefulSet = apps('StatefulSet', {
  metadata: f(1, ObjectMeta),
  spec: f(
    2,
    apps('StatefulSetSpec', {
      replicas: ptr(1, int32),
      selector: f(2, LabelSelector),
      template: f(3, PodTemplateSpec),
      volumeClaimTemplates: f(4, atomicList(PersistentVolumeClaim)),
      serviceName: f(5, str),
      podManagementPolicy: f(6, str),
      updateStrategy: f(
        7,
        apps('StatefulSetUpdateStrategy', {
          type: f(1, str),
          rollingUpdate: f(
            2,
            apps('RollingUpdateStatefulSetStrategy', { partition: ptr(1, int32), maxUnavailable: ptr(2, intOrString) }),
          ),
        }),
      ),
      revisionHistoryLimit: ptr(8, int32),
      minReadySeconds: f(9, int32),
      persistentVolumeClaimRetentionPolicy: f(
        10,
        apps('StatefulSetPersistentVolumeClaimRetentionPolicy', { whenDeleted: f(1, str), whenScaled: f(2, str) }),
      ),
      ordinals: f(11, apps('StatefulSetOrdinals', { start: f(1, int32) })),
    }),
  ),
  status: f(
    3,
    apps('StatefulSetStatus', {
      observedGeneration: f(1, int64),
      replicas: f(2, int32),
      readyReplicas: f(3, int32),
      currentReplicas: f(4, int32),
      updatedReplicas: f(5, int32),
      currentRevision: f(6, str),
      updateRevision: f(7, str),
      collisionCount: ptr(9, int32),
      conditions: f(10, mapList(StatefulSetCondition, ['type'], 'type')),
      availableReplicas: f(11, int32),
    }),
  ),
});

export const ControllerRevision = apps('ControllerRevision', {
  metadata: f(1, ObjectMeta),
  data: f(2, any),
  revision: f(3, int64),
});

const DaemonSetCondition = apps('DaemonSetCondition', {
  type: f(1, str),
  status: f(2, str),
  lastTransitionTime: f(3, time),
  reason: f(4, str),
  message: f(5, str),
});

export const DaemonSet = apps('DaemonSet', {
  metadata: f(1, ObjectMeta),
  spec: f(
    2,
    apps('DaemonSetSpec', {
      selector: f(1, LabelSelector),
      template: f(2, PodTemplateSpec),
      updateStrategy: f(
        3,
        apps('DaemonSetUpdateStrategy', {
          type: f(1, str),
          rollingUpdate: f(2, apps('RollingUpdateDaemonSet', { maxUnavailable: ptr(1, intOrString), maxSurge: ptr(2, intOrString) })),
        }),
      ),
      minReadySeconds: f(4, int32),
      revisionHistoryLimit: ptr(6, int32),
    }),
  ),
  status: f(
    3,
    apps('DaemonSetStatus', {
      currentNumberScheduled: f(1, int32),
      numberMisscheduled: f(2, int32),
      desiredNumberScheduled: f(3, int32),
      numberReady: f(4, int32),
      observedGeneration: f(5, int64),
      updatedNumberScheduled: f(6, int32),
      numberAvailable: f(7, int32),
      numberUnavailable: f(8, int32),
      collisionCount: ptr(9, int32),
      conditions: f(10, mapList(DaemonSetCondition, ['type'], 'type')),
    }),
  ),
});
