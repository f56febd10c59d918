// The CronJob controller (pkg/controller/cronjob, v2): at each scheduled time it creates a Job
// from the template, named after the CronJob and the scheduled minute, unless suspended, too
// late (startingDeadlineSeconds) or forbidden by the concurrency policy (Forbid skips while a
// Job runs, Replace deletes the running ones); it keeps status.active and the last schedule and
// success times, and deletes finished Jobs beyond the history limits, oldest first.

import type { CronJob, Job } from '../apis/batch/jobs.js';
import { hasCondition } from '../apis/batch/jobs.js';
import { R } from '../client/client.js';
import type { Informer } from '../client/informer.js';
import { lastFireBetween, nextFire, parseCron } from '../util/cron.js';
import { rfc3339 } from '../util/time.js';
import { controllerOf, isConflict, isNotFound, newControllerRef } from './controller-ref.js';
import { QueueController } from './queue-controller.js';
import type { ControllerContext } from './workloads-context.js';
import { writeStatus } from './workloads-status.js';

const SCHEDULED_TIMESTAMP = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
const isFinished = (j: Job): boolean => hasCondition(j, 'Complete') || hasCondition(j, 'Failed');

export class CronJobController extends QueueController {
  constructor(
    private readonly ctx: ControllerContext,
    private readonly cronJobs: Informer<CronJob>,
    private readonly jobs: Informer<Job>,
  ) {
    super(ctx.log, { workers: 1, keyField: 'cronjob', failure: 'cronjob sync failed; will retry', objects: cronJobs });
    this.queueOwners(jobs, cronJobs, 'CronJob');
  }

  protected async sync(key: string): Promise<void> {
    const [namespace, name] = key.split('/');
    const cj = this.cronJobs.get(namespace, name);
    if (!cj || cj.metadata.deletionTimestamp) return;
    const now = this.ctx.now();
    const owned = this.jobs.list(namespace).filter((j) => controllerOf(j)?.uid === cj.metadata.uid);
    let running = owned.filter((j) => !isFinished(j));
    const status = { ...(cj.status ?? {}) };
    const succeeded = owned.filter((j) => hasCondition(j, 'Complete')).map((j) => j.status?.completionTime ?? '').sort();
    if (succeeded.length && succeeded.at(-1)! > (status.lastSuccessfulTime ?? '')) status.lastSuccessfulTime = succeeded.at(-1);

    const schedule = parseCron(cj.spec?.schedule ?? '');
    const since = new Date(Date.parse(status.lastScheduleTime ?? cj.metadata.creationTimestamp ?? rfc3339(now)));
    const due = lastFireBetween(schedule, since, now);
    const deadline = cj.spec?.startingDeadlineSeconds;
    const tooLate = due && deadline !== undefined && now.getTime() - due.getTime() > deadline * 1000;
    if (due && !cj.spec?.suspend && !tooLate) {
      const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
      if (policy === 'Forbid' && running.length) {
        this.ctx.events.record(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      } else {
        if (policy === 'Replace') {
          for (const j of running) await this.deleteJob(cj, j);
          running = [];
        }
        const job = await this.createJob(cj, due);
        if (job) running = [...running, job];
        status.lastScheduleTime = rfc3339(due);
      }
    }
    status.active = running.map((j) => ({ kind: 'Job', namespace, name: j.metadata.name, uid: j.metadata.uid, apiVersion: 'batch/v1', resourceVersion: j.metadata.resourceVersion }));
    if (!status.active.length) delete status.active;
    if (JSON.stringify(cj.status ?? {}) !== JSON.stringify(status)) await writeStatus(this.ctx.client, R.cronJobs, cj, status);
    await this.pruneHistory(cj, owned);
    const next = nextFire(schedule, now);
    if (next) this.enqueue(cj, next.getTime() - now.getTime() + 100);
  }

  private async createJob(cj: CronJob, scheduled: Date): Promise<Job | undefined> {
    const t = structuredClone(cj.spec?.jobTemplate ?? {});
    const job: Job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        // getJobName: the scheduled time in minutes.
        name: `${cj.metadata.name}-${Math.floor(scheduled.getTime() / 60_000)}`,
        namespace: cj.metadata.namespace,
        labels: t.metadata?.labels ?? {},
        annotations: { ...(t.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP]: rfc3339(scheduled) },
        ownerReferences: [newControllerRef(cj)],
      },
      spec: t.spec ?? {},
    };
    try {
      const made = await this.ctx.client.create<Job>(R.jobs, cj.metadata.namespace, job);
      this.ctx.events.record(cj, 'Normal', 'SuccessfulCreate', `Created job ${made.metadata.name}`);
      return made;
    } catch (e) {
      // Made by a sync whose cache had not seen it yet.
      if (isConflict(e)) return undefined;
      this.ctx.events.record(cj, 'Warning', 'FailedCreate', `Error creating job: ${(e as Error).message}`);
      throw e;
    }
  }

  private async deleteJob(cj: CronJob, job: Job): Promise<void> {
    try {
      await this.ctx.client.delete(R.jobs, job.metadata.namespace, job.metadata.name!, { propagationPolicy: 'Background' });
      this.ctx.events.record(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  private async pruneHistory(cj: CronJob, owned: Job[]): Promise<void> {
    const oldestFirst = (a: Job, b: Job): number => String(a.status?.startTime ?? a.metadata.creationTimestamp).localeCompare(String(b.status?.startTime ?? b.metadata.creationTimestamp));
    const keep = (jobs: Job[], limit: number): Job[] => jobs.sort(oldestFirst).slice(0, Math.max(0, jobs.length - limit));
    const victims = [
      ...keep(owned.filter((j) => hasCondition(j, 'Complete')), cj.spec?.successfulJobsHistoryLimit ?? 3),
      ...keep(owned.filter((j) => hasCondition(j, 'Failed')), cj.spec?.failedJobsHistoryLimit ?? 1),
    ];
    for (const j of victims) await this.deleteJob(cj, j);
  }
}
