// Starts the workload controllers over shared informers: ReplicaSets, Deployments,
// StatefulSets, DaemonSets, Jobs, CronJobs, volume binding and provisioning, the garbage collector and the scheduler. Controllers register their handlers first and start working
// only once every informer has synced, so no decision is made on a partial cache.

import type { Logger } from 'pino';
import type { KubeObject } from '../apis/types.js';
import type { Deployment } from '../apis/apps/deployments.js';
import type { ReplicaSet } from '../apis/apps/replicasets.js';
import type { Node } from '../apis/core/nodes.js';
import { R, type Client } from '../client/client.js';
import { EventRecorder } from '../client/events.js';
import { Informer } from '../client/informer.js';
import { DeploymentController } from './deployment.js';
import { GarbageCollector } from './garbage-collector.js';
import { ReplicaSetController } from './replicaset.js';
import { Scheduler } from './scheduler.js';
import { StatefulSetController } from './statefulset.js';
import { DaemonSetController } from './daemonset.js';
import { JobController } from './job.js';
import { CronJobController } from './cronjob.js';
import type { CronJob, Job } from '../apis/batch/jobs.js';
import type { DaemonSet } from '../apis/apps/daemonsets.js';
import { PersistentVolumeController } from './persistent-volume.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../apis/core/persistent-volumes.js';
import type { StorageClass } from '../apis/storage/storageclasses.js';
import type { StatefulSet } from '../apis/apps/statefulsets.js';
import type { ControllerRevision } from '../apis/apps/controllerrevisions.js';
import type { ControllerContext } from './workloads-context.js';

export interface WorkloadControllersOptions {
  client: Client;
  log: Logger;
  /** The Event recorder of a component (its name is the Events' source); default: a recorder on client. */
  recorder?: (component: string) => EventRecorder;
  now?: () => Date;
  /** Where local-path volumes are made (a directory per claim); without it claims are not bound
   *  (tests of other controllers). */
  storageDir?: string;
}

export interface WorkloadControllers {
  stop(): void;
  /** Resolves when no controller has work queued or running (tests). */
  idle(): Promise<void>;
}

export async function startWorkloadControllers(opts: WorkloadControllersOptions): Promise<WorkloadControllers> {
  const { client } = opts;
  const recorder = opts.recorder ?? ((component: string) => new EventRecorder(client, component));
  const context = (component: string): ControllerContext => ({
    client,
    log: opts.log.child({ controller: component }),
    events: recorder(component),
    now: opts.now ?? (() => new Date()),
  });
  const pods = new Informer(client, R.pods);
  const replicaSets = new Informer<ReplicaSet>(client, R.replicaSets);
  const deployments = new Informer<Deployment>(client, R.deployments);
  const nodes = new Informer<Node>(client, R.nodes);
  const services = new Informer(client, R.services);
  const endpointSlices = new Informer(client, R.endpointSlices);
  const statefulSets = new Informer<StatefulSet>(client, R.statefulSets);
  const daemonSets = new Informer<DaemonSet>(client, R.daemonSets);
  const jobs = new Informer<Job>(client, R.jobs);
  const cronJobs = new Informer<CronJob>(client, R.cronJobs);
  const revisions = new Informer<ControllerRevision>(client, R.controllerRevisions);
  const claims = new Informer<PersistentVolumeClaim>(client, R.persistentVolumeClaims);
  const volumes = new Informer<PersistentVolume>(client, R.persistentVolumes);
  const classes = new Informer<StorageClass>(client, R.storageClasses);
  const informers: Informer<KubeObject>[] = [pods, replicaSets, deployments, nodes, services, endpointSlices];
  informers.push(statefulSets, daemonSets, jobs, cronJobs, revisions, claims, volumes, classes);

  const controllers: { start(): void | Promise<void>; stop(): void; idle(): Promise<void> }[] = [
    new ReplicaSetController(context('replicaset-controller'), pods, replicaSets),
    new DeploymentController(context('deployment-controller'), deployments, replicaSets, pods),
    new GarbageCollector(context('garbage-collector-controller'), [pods, replicaSets, deployments, services, endpointSlices, nodes, statefulSets, daemonSets, jobs, cronJobs, revisions, claims]),
    new Scheduler(context('default-scheduler'), pods, nodes, { claims, volumes, classes }),
    new StatefulSetController(context('statefulset-controller'), statefulSets, pods, revisions),
    new DaemonSetController(context('daemonset-controller'), daemonSets, pods, nodes, revisions),
    new JobController(context('job-controller'), jobs, pods),
    new CronJobController(context('cronjob-controller'), cronJobs, jobs),
  ];
  if (opts.storageDir) controllers.push(new PersistentVolumeController(context('persistentvolume-controller'), claims, volumes, classes, opts.storageDir));
  const stop = (): void => {
    for (const c of controllers) c.stop();
    for (const i of informers) i.stop();
  };
  await Promise.all(informers.map((i) => i.start()));
  for (const c of controllers) await c.start();
  return {
    stop,
    idle: async () => {
      await Promise.all(controllers.map((c) => c.idle()));
    },
  };
}
