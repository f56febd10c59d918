// The Job controller (pkg/controller/job): runs pods of the template until `completions`
// succeed (at most `parallelism` at once), or the Job fails (backoff limit, active deadline, a
// FailJob rule); a finished Job's active pods are deleted, and with ttlSecondsAfterFinished the
// Job itself goes that long after it finished.

import type { Job } from '../apis/batch/jobs.js';
import { hasCondition } from '../apis/batch/jobs.js';
import type { KubeObject } from '../apis/types.js';
import { R } from '../client/client.js';
import type { Informer } from '../client/informer.js';
import { rfc3339 } from '../util/time.js';
import { selectorFromLabelSelector } from '../util/labels.js';
import { claim, isConflict, isNotFound, newControllerRef } from './controller-ref.js';
import { finished, finishedConditions, viewPods, wantedActive } from './job-decisions.js';
import { QueueController } from './queue-controller.js';
import type { ControllerContext } from './workloads-context.js';
import { omitZero, writeStatus } from './workloads-status.js';

export class JobController extends QueueController {
  constructor(
    private readonly ctx: ControllerContext,
    private readonly jobs: Informer<Job>,
    private readonly pods: Informer,
  ) {
    super(ctx.log, { workers: 2, keyField: 'job', failure: 'job sync failed; will retry', objects: jobs });
    this.queueOwners(pods, jobs, 'Job');
  }

  protected async sync(key: string): Promise<void> {
    const [namespace, name] = key.split('/');
    const job = this.jobs.get(namespace, name);
    if (!job || job.metadata.deletionTimestamp) return;
    const now = this.ctx.now();
    if (hasCondition(job, 'Complete') || hasCondition(job, 'Failed')) return this.expire(job, now);
    const selector = selectorFromLabelSelector(job.spec?.selector);
    const pods = await claim(this.ctx.client, R.jobs, R.pods, job, selector, this.pods.list(namespace));
    const view = viewPods(job, pods);
    const startTime = job.status?.startTime ?? (job.spec?.suspend ? undefined : rfc3339(now));
    const why = finished({ ...job, status: { ...job.status, startTime } }, view, now);
    let active = view.active;
    if (why) {
      for (const p of active) await this.deletePod(p);
      active = [];
      this.ctx.events.record(job, why[0] === 'Complete' ? 'Normal' : 'Warning', why[0] === 'Complete' ? 'Completed' : why[1], why[0] === 'Complete' ? 'Job completed' : why[2]);
    } else {
      const diff = wantedActive(job, view) - active.length;
      for (let i = 0; i < diff; i++) {
        const pod = await this.ctx.client.create(R.pods, namespace, this.podFor(job));
        this.ctx.events.record(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
        active = [...active, pod];
      }
      for (const p of active.slice(active.length + Math.min(diff, 0))) await this.deletePod(p);
      const deadline = job.spec?.activeDeadlineSeconds;
      if (deadline !== undefined && startTime) this.enqueue(job, Math.max(0, Date.parse(startTime) + deadline * 1000 - now.getTime()) + 50);
    }
    const status = omitZero(
      {
        ...job.status,
        startTime,
        active: active.length,
        succeeded: view.succeeded,
        failed: view.failed,
        ready: why ? 0 : view.ready,
        terminating: 0,
        ...(why ? { conditions: finishedConditions(job, why, now), ...(why[0] === 'Complete' ? { completionTime: rfc3339(now) } : {}) } : {}),
      },
      ['active', 'succeeded', 'failed'],
    );
    if (JSON.stringify(job.status ?? {}) !== JSON.stringify(status)) await writeStatus(this.ctx.client, R.jobs, job, status);
  }

  private podFor(job: Job): KubeObject {
    const t = structuredClone(job.spec?.template ?? {});
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${job.metadata.name}-`,
        namespace: job.metadata.namespace,
        labels: t.metadata?.labels ?? {},
        ...(t.metadata?.annotations ? { annotations: t.metadata.annotations } : {}),
        ownerReferences: [newControllerRef(job)],
      },
      spec: t.spec ?? {},
    };
  }

  private async deletePod(pod: KubeObject): Promise<void> {
    try {
      await this.ctx.client.delete(R.pods, pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }

  /** ttlSecondsAfterFinished: the finished Job (and, by the garbage collector, its pods) goes. */
  private async expire(job: Job, now: Date): Promise<void> {
    const ttl = job.spec?.ttlSecondsAfterFinished;
    if (ttl === undefined) return;
    const finishedAt = Date.parse(job.status?.conditions?.find((c) => c.type === 'Complete' || c.type === 'Failed')?.lastTransitionTime ?? '');
    const left = finishedAt + ttl * 1000 - now.getTime();
    if (left > 0) return this.enqueue(job, left + 50);
    try {
      await this.ctx.client.delete(R.jobs, job.metadata.namespace, job.metadata.name!, { preconditions: { uid: job.metadata.uid }, propagationPolicy: 'Background' });
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }
}
