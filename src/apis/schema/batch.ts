// k8s.io/api/batch/v1: Job and CronJob.

import { any, atomicList, bool, f, inPackage, int32, int64, ptr, setList, str, time } from './dsl.js';
import { ObjectReference, PodTemplateSpec } from './core.js';
import { LabelSelector, ObjectMeta } from './meta.js';

const batch = inPackage('io.k8s.api.batch.v1');

const PodFailurePolicyRule = batch('PodFailurePolicyRule', {
  action: f(1, str),
  onExitCodes: f(2, batch('PodFailurePolicyOnExitCodesRequirement', { containerName: ptr(1, str), operator: f(2, str), values: f(3, setList(int32)) })),
  onPodConditions: f(3, atomicList(batch('PodFailurePolicyOnPodConditionsPattern', { type: f(1, str), status: f(2, str) }))),
});

const JobSpec = batch('JobSpec', {
  parallelism: ptr(1, int32),
  completions: ptr(2, int32),
  activeDeadlineSeconds: ptr(3, int64),
  podFailurePolicy: f(11, batch('PodFailurePolicy', { rules: f(1, atomicList(PodFailurePolicyRule)) })),
  successPolicy: f(16, any),
  backoffLimit: ptr(7, int32),
  backoffLimitPerIndex: ptr(12, int32),
  maxFailedIndexes: ptr(13, int32),
  selector: f(4, LabelSelector),
  manualSelector: ptr(5, bool),
  template: f(6, PodTemplateSpec),
  ttlSecondsAfterFinished: ptr(8, int32),
  completionMode: ptr(9, str),
  suspend: ptr(10, bool),
  podReplacementPolicy: ptr(14, str),
  managedBy: ptr(15, str),
});

const JobCondition = batch('JobCondition', {
  type: f(1, str),
  status: f(2, str),
  lastProbeTime: f(3, time),
  lastTransitionTime: f(4, time),
  reason: f(5, str),
  message: f(6, str),
});

export const Job = batch('Job', {
  metadata: f(1, ObjectMeta),
  spec: f(2, JobSpec),
  status: f(
    3,
    batch('JobStatus', {
      conditions: f(1, atomicList(JobCondition)),
      startTime: ptr(2, time),
      completionTime: ptr(3, time),
      active: f(4, int32),
      succeeded: f(5, int32),
      failed: f(6, int32),
      terminating: ptr(11, int32),
      completedIndexes: f(7, str),
      failedIndexes: ptr(10, str),
      uncountedTerminatedPods: f(8, any),
      ready: ptr(9, int32),
    }),
  ),
});

export const CronJob = batch('CronJob', {
  metadata: f(1, ObjectMeta),
  spec: f(
    2,
    batch('CronJobSpec', {
      schedule: f(1, str),
      timeZone: ptr(8, str),
      startingDeadlineSeconds: ptr(2, int64),
      concurrencyPolicy: f(3, str),
      suspend: ptr(4, bool),
      jobTemplate: f(5, batch('JobTemplateSpec', { metadata: f(1, ObjectMeta), spec: f(2, JobSpec) })),
      successfulJobsHistoryLimit: ptr(6, int32),
      failedJobsHistoryLimit: ptr(7, int32),
    }),
  ),
  status: f(
    3,
    batch('CronJobStatus', {
      active: f(1, atomicList(ObjectReference)),
      lastScheduleTime: ptr(4, time),
      lastSuccessfulTime: ptr(5, time),
    }),
  ),
});
