// The CronJob controller on a fake clock: a Job per scheduled time, named after the minute;
// Forbid and Replace; suspend; history limits.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { Job } from '../apis/batch/jobs.js';
import { R, type Client } from '../client/client.js';
import { EventRecorder } from '../client/events.js';
import { Informer } from '../client/informer.js';
import { rfc3339 } from '../util/time.js';
import { startTestApi, type TestApi } from '../../test/support/api.js';
import { CronJobController } from './cronjob.js';
import { eventually } from '../../test/support/eventually.js';

const log = pino({ level: 'silent' });

describe('CronJob controller', () => {
  let api: TestApi;
  let client: Client;
  let controller: CronJobController;
  let now = new Date();
  const informers: Informer[] = [];

  before(async () => {
    api = await startTestApi();
    client = api.client('cronjob-controller');
    const cronJobs = new Informer(client, R.cronJobs);
    const jobs = new Informer(client, R.jobs);
    informers.push(cronJobs, jobs);
    controller = new CronJobController({ client, log, events: new EventRecorder(client, 'cronjob-controller'), now: () => now }, cronJobs as never, jobs as never);
    await Promise.all(informers.map((i) => i.start()));
    controller.start();
  });
  after(async () => {
    controller.stop();
    for (const i of informers) i.stop();
    await api.close();
  });

  const cronJob = (name: string, policy: string, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: 'default' },
    spec: {
      schedule: '* * * * *',
      concurrencyPolicy: policy,
      successfulJobsHistoryLimit: 1,
      jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } },
      ...extra,
    },
  });
  const jobsOf = async (cj: string): Promise<Job[]> =>
    (await client.list<Job>(R.jobs, 'default')).items.filter((j) => j.metadata.ownerReferences?.[0]?.name === cj && !j.metadata.deletionTimestamp);
  /** Moves the clock to the next minute and pokes the controller (its own timer is real time). */
  const tick = async (name: string): Promise<void> => {
    now = new Date(Math.floor(now.getTime() / 60_000) * 60_000 + 60_000 + 1000);
    // A patch, not a get and update: the controller writes the CronJob's status meanwhile.
    await client.patch(R.cronJobs, 'default', name, 'merge', { metadata: { annotations: { poke: rfc3339(now) } } });
  };
  const finish = async (job: Job): Promise<void> => {
    const t = rfc3339(now);
    await client.update(R.jobs, 'default', { ...job, status: { ...job.status, startTime: t, completionTime: t, conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: t }] } }, { subresource: 'status' });
  };

  it('Forbid: one Job per scheduled minute, named after it; none while one runs', async () => {
    now = new Date();
    await client.create(R.cronJobs, 'default', cronJob('forbid', 'Forbid'));
    await tick('forbid');
    const [first] = await eventually(async () => (await jobsOf('forbid')).length === 1 && jobsOf('forbid'), 10_000, 'a first Job');
    assert.equal(first.metadata.name, `forbid-${Math.floor(now.getTime() / 60_000)}`);
    await eventually(async () => (await client.get(R.cronJobs, 'default', 'forbid')).status?.active?.length === 1, 10_000, 'status.active');
    await tick('forbid');
    await controller.idle();
    assert.equal((await jobsOf('forbid')).length, 1, 'Forbid skips while the first runs');
    await finish(first);
    await tick('forbid');
    await eventually(async () => (await jobsOf('forbid')).length === 2, 10_000, 'a second Job');
    const second = (await jobsOf('forbid')).find((j) => j.metadata.name !== first.metadata.name)!;
    await finish(second);
    // successfulJobsHistoryLimit 1: the older finished Job goes.
    await eventually(async () => (await jobsOf('forbid')).map((j) => j.metadata.name).join() === second.metadata.name, 10_000, 'the first Job pruned');
  });

  it('Replace deletes the running Job; suspend stops scheduling', async () => {
    await client.create(R.cronJobs, 'default', cronJob('replace', 'Replace'));
    await tick('replace');
    const [first] = await eventually(async () => (await jobsOf('replace')).length === 1 && jobsOf('replace'), 10_000, 'a first Job');
    // The next minute's sync must see the first Job in status.active to replace it (a minute
    // apart in real time, a status write apart here).
    await eventually(async () => (await client.get(R.cronJobs, 'default', 'replace')).status?.active?.length === 1, 10_000, 'status.active');
    await tick('replace');
    await eventually(async () => {
      const js = await jobsOf('replace');
      return js.length === 1 && js[0].metadata.name !== first.metadata.name;
    }, 10_000, 'the first Job replaced');
    await client.patch(R.cronJobs, 'default', 'replace', 'merge', { spec: { suspend: true } });
    const before = (await jobsOf('replace')).map((j) => j.metadata.name);
    await tick('replace');
    await controller.idle();
    assert.deepEqual((await jobsOf('replace')).map((j) => j.metadata.name), before);
  });
});
