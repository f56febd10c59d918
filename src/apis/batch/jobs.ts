// Jobs and CronJobs (batch/v1): defaults (batch/v1 defaults.go), the generated selector and pod
// labels of the Job strategy, validation (ValidateJob, ValidateCronJob) and the Table rows of
// printers.go printJob / printCronJob.

import { field, type FieldError } from '../../util/status-errors.js';
import { parseCron } from '../../util/cron.js';
import { formatLabelSelector } from '../../util/labels.js';
import { age, ageColumn, column, containerCells, containersColumn, defineResource, imagesColumn, nameColumn, since, validateMeta } from '../descriptor.js';
import { defaultPodSpec, validatePodSpec, type PodTemplateSpec } from '../core/pod-template.js';
import type { KubeObject } from '../types.js';
import { validateImmutable } from '../validation/meta.js';
import { isDNS1123Subdomain } from '../../util/name-format.js';
import { nonNegative } from '../apps/workload.js';
import type { LabelSelectorSpec } from '../../util/labels.js';

export interface PodFailurePolicyRule {
  action: 'FailJob' | 'Ignore' | 'Count' | 'FailIndex';
  onExitCodes?: { containerName?: string; operator: 'In' | 'NotIn'; values: number[] };
  onPodConditions?: { type: string; status?: string }[];
}

export interface JobSpec {
  parallelism?: number;
  completions?: number;
  activeDeadlineSeconds?: number;
  backoffLimit?: number;
  selector?: LabelSelectorSpec;
  manualSelector?: boolean;
  template?: PodTemplateSpec;
  ttlSecondsAfterFinished?: number;
  completionMode?: string;
  suspend?: boolean;
  podFailurePolicy?: { rules?: PodFailurePolicyRule[] };
  podReplacementPolicy?: string;
  [key: string]: unknown;
}

export interface JobCondition {
  type: string;
  status: string;
  lastProbeTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface Job extends KubeObject {
  spec?: JobSpec;
  status?: {
    conditions?: JobCondition[];
    startTime?: string;
    completionTime?: string;
    active?: number;
    succeeded?: number;
    failed?: number;
    ready?: number;
    terminating?: number;
    [key: string]: unknown;
  };
}

export interface CronJob extends KubeObject {
  spec?: {
    schedule?: string;
    timeZone?: string;
    startingDeadlineSeconds?: number;
    concurrencyPolicy?: string;
    suspend?: boolean;
    jobTemplate?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: JobSpec };
    successfulJobsHistoryLimit?: number;
    failedJobsHistoryLimit?: number;
  };
  status?: { active?: { kind?: string; namespace?: string; name?: string; uid?: string; apiVersion?: string; resourceVersion?: string }[]; lastScheduleTime?: string; lastSuccessfulTime?: string };
}

export const CONTROLLER_UID = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME = 'batch.kubernetes.io/job-name';

export const hasCondition = (job: Job, type: string): boolean => !!job.status?.conditions?.some((c) => c.type === type && c.status === 'True');

function defaultJobSpec(spec: JobSpec): void {
  spec.completions ??= spec.parallelism === undefined ? 1 : undefined;
  if (spec.completions === undefined) delete spec.completions;
  spec.parallelism ??= 1;
  spec.backoffLimit ??= 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.manualSelector ??= undefined;
  if (spec.manualSelector === undefined) delete spec.manualSelector;
  spec.podReplacementPolicy ??= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  defaultPodSpec(((spec.template ??= {}).spec ??= {}));
}

function validateJobSpec(spec: JobSpec | undefined, path: string): FieldError[] {
  const s = spec ?? {};
  const errs = [
    ...nonNegative(s.parallelism, `${path}.parallelism`),
    ...nonNegative(s.completions, `${path}.completions`),
    ...nonNegative(s.backoffLimit, `${path}.backoffLimit`),
    ...nonNegative(s.ttlSecondsAfterFinished, `${path}.ttlSecondsAfterFinished`),
  ];
  if (s.activeDeadlineSeconds !== undefined && s.activeDeadlineSeconds <= 0)
    errs.push(field.invalid(`${path}.activeDeadlineSeconds`, s.activeDeadlineSeconds, 'must be greater than or equal to 1'));
  const policy = s.template?.spec?.restartPolicy;
  if (policy !== 'OnFailure' && policy !== 'Never') errs.push(field.notSupported(`${path}.template.spec.restartPolicy`, policy ?? '', ['OnFailure', 'Never']));
  else errs.push(...validatePodSpec(s.template?.spec, `${path}.template.spec`).filter((e) => !e.field.endsWith('restartPolicy')));
  (s.podFailurePolicy?.rules ?? []).forEach((r, i) => {
    const at = `${path}.podFailurePolicy.rules[${i}]`;
    if (!['FailJob', 'Ignore', 'Count', 'FailIndex'].includes(r.action)) errs.push(field.notSupported(`${at}.action`, r.action, ['Count', 'FailIndex', 'FailJob', 'Ignore']));
    if (!!r.onExitCodes === !!r.onPodConditions?.length) errs.push(field.invalid(at, '', 'specifying one of OnExitCodes and OnPodConditions is required'));
    if (r.onExitCodes && policy !== 'Never') errs.push(field.invalid(`${path}.podFailurePolicy`, '', 'only allowed when restartPolicy is Never'));
  });
  return errs;
}

/** The Job strategy's generated selector: pods carry the job's uid and name. */
function generateSelector(job: Job): void {
  const spec = (job.spec ??= {});
  if (spec.manualSelector) return;
  const uid = job.metadata.uid!;
  const t = (spec.template ??= {});
  const meta = (t.metadata ??= {});
  meta.labels = { ...(meta.labels ?? {}), [CONTROLLER_UID]: uid, [JOB_NAME]: job.metadata.name!, 'controller-uid': uid, 'job-name': job.metadata.name! };
  spec.selector ??= { matchLabels: { [CONTROLLER_UID]: uid } };
}

function jobStatusCell(job: Job): string {
  if (hasCondition(job, 'Complete')) return 'Complete';
  if (hasCondition(job, 'Failed')) return 'Failed';
  if (job.metadata.deletionTimestamp) return 'Terminating';
  if (hasCondition(job, 'Suspended')) return 'Suspended';
  if (hasCondition(job, 'FailureTarget')) return 'FailureTarget';
  if (hasCondition(job, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

function completionsCell(job: Job): string {
  const done = job.status?.succeeded ?? 0;
  if (job.spec?.completions !== undefined) return `${done}/${job.spec.completions}`;
  const p = job.spec?.parallelism ?? 0;
  return p > 1 ? `${done}/1 of ${p}` : `${done}/1`;
}

function durationCell(job: Job, now: Date): string {
  const start = job.status?.startTime;
  if (!start) return '';
  const end = job.status?.completionTime;
  return end ? since(start, new Date(Date.parse(end))) : since(start, now);
}

export const jobs = defineResource<Job>({
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  resource: 'jobs',
  categories: ['all'],
  namespaced: true,
  subresources: ['status'],
  tracksGeneration: true,
  columns: [
    nameColumn(),
    column('Status', 'Status of the job.'),
    column('Completions', 'The completion status of the job.'),
    column('Duration', 'Time required to complete the job.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'A label query over pods that should match the pod count.', { priority: 1 }),
  ],
  row: (job, now) => [
    job.metadata.name,
    jobStatusCell(job),
    completionsCell(job),
    durationCell(job, now),
    age(job, now),
    ...containerCells(job.spec?.template?.spec?.containers),
    formatLabelSelector(job.spec?.selector),
  ],
  selectableFields: (job) => ({ 'status.successful': String(job.status?.succeeded ?? 0) }),
  defaults: (job) => defaultJobSpec((job.spec ??= {})),
  prepareForCreate(job) {
    job.status = {};
    generateSelector(job);
  },
  validate(job, old) {
    const errs = validateMeta(job, old, { namespaced: true, validateName: isDNS1123Subdomain });
    errs.push(...validateJobSpec(job.spec, 'spec'));
    if (!job.spec?.selector) errs.push(field.required('spec.selector', ''));
    if (old) {
      errs.push(...validateImmutable(job.spec?.selector, old.spec?.selector, 'spec.selector'));
      errs.push(...validateImmutable(job.spec?.completions, old.spec?.completions, 'spec.completions'));
      if (JSON.stringify(job.spec?.template) !== JSON.stringify(old.spec?.template)) errs.push(field.invalid('spec.template', '', 'field is immutable'));
    }
    return errs;
  },
});

const CONCURRENCY = ['Allow', 'Forbid', 'Replace'];

function validateCronJobSpec(cj: CronJob): FieldError[] {
  const s = cj.spec ?? {};
  const errs: FieldError[] = [];
  if (!s.schedule) errs.push(field.required('spec.schedule', ''));
  else {
    try {
      parseCron(s.schedule);
    } catch (e) {
      errs.push(field.invalid('spec.schedule', s.schedule, (e as Error).message));
    }
    if (/TZ=|CRON_TZ=/.test(s.schedule)) errs.push(field.invalid('spec.schedule', s.schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  }
  if (s.timeZone !== undefined && s.timeZone !== 'UTC' && s.timeZone !== 'Etc/UTC') errs.push(field.invalid('spec.timeZone', s.timeZone, 'unknown time zone ' + s.timeZone));
  if (!CONCURRENCY.includes(s.concurrencyPolicy ?? '')) errs.push(field.notSupported('spec.concurrencyPolicy', s.concurrencyPolicy ?? '', CONCURRENCY));
  errs.push(...nonNegative(s.startingDeadlineSeconds, 'spec.startingDeadlineSeconds'));
  errs.push(...nonNegative(s.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit'));
  errs.push(...nonNegative(s.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit'));
  errs.push(...validateJobSpec(s.jobTemplate?.spec, 'spec.jobTemplate.spec'));
  // A Job's name is the CronJob's plus an 11-digit suffix.
  if ((cj.metadata.name ?? '').length > 52) errs.push(field.invalid('metadata.name', cj.metadata.name, 'must be no more than 52 characters'));
  return errs;
}

export const cronJobs = defineResource<CronJob>({
  group: 'batch',
  version: 'v1',
  kind: 'CronJob',
  resource: 'cronjobs',
  shortNames: ['cj'],
  categories: ['all'],
  namespaced: true,
  subresources: ['status'],
  tracksGeneration: true,
  columns: [
    nameColumn(),
    column('Schedule', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    column('Timezone', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.'),
    column('Suspend', 'This flag tells the controller to suspend subsequent executions.', { type: 'boolean' }),
    column('Active', 'A list of pointers to currently running jobs.', { type: 'integer' }),
    column('Last Schedule', 'Information when was the last time the job was successfully scheduled.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'A label query over pods that should match the pod count.', { priority: 1 }),
  ],
  row: (cj, now) => [
    cj.metadata.name,
    cj.spec?.schedule ?? '',
    cj.spec?.timeZone ?? '<none>',
    cj.spec?.suspend ?? false,
    cj.status?.active?.length ?? 0,
    cj.status?.lastScheduleTime ? since(cj.status.lastScheduleTime, now) : '<none>',
    age(cj, now),
    ...containerCells(cj.spec?.jobTemplate?.spec?.template?.spec?.containers),
    formatLabelSelector(cj.spec?.jobTemplate?.spec?.selector),
  ],
  defaults(cj) {
    const spec = (cj.spec ??= {});
    spec.concurrencyPolicy ||= 'Allow';
    spec.suspend ??= false;
    spec.successfulJobsHistoryLimit ??= 3;
    spec.failedJobsHistoryLimit ??= 1;
    const jt = (spec.jobTemplate ??= {});
    jt.spec ??= {};
    // The template's Job spec is not defaulted beyond its pod spec (as in Kubernetes, where
    // completions/parallelism stay unset until the Job is made).
    defaultPodSpec(((jt.spec.template ??= {}).spec ??= {}));
  },
  prepareForCreate(cj) {
    cj.status = {};
  },
  validate: (cj, old) => [...validateMeta(cj, old, { namespaced: true, validateName: isDNS1123Subdomain }), ...validateCronJobSpec(cj)],
});
