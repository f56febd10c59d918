// Starts the HorizontalPodAutoscaler controller over its own informers (HPAs, pods); the
// API server's metrics.k8s.io is handed in, as kube-controller-manager's metrics client reads it.

import type { Logger } from 'pino';
import type { HorizontalPodAutoscaler } from '../../apis/autoscaling/horizontalpodautoscalers.js';
import type { Pod } from '../../apis/core/pods.js';
import { R, type Client } from '../../client/client.js';
import type { EventRecorder } from '../../client/events.js';
import { Informer } from '../../client/informer.js';
import { HPA, HorizontalController, type HpaOptions } from './horizontal.js';

export interface Autoscaler {
  stop(): void;
  idle(): Promise<void>;
}

export async function startHorizontalPodAutoscaler(
  deps: { client: Client; log: Logger; events: EventRecorder; now?: () => Date } & HpaOptions,
): Promise<Autoscaler> {
  const hpas = new Informer<HorizontalPodAutoscaler>(deps.client, HPA);
  const pods = new Informer<Pod>(deps.client, R.pods);
  const controller = new HorizontalController({ client: deps.client, log: deps.log, events: deps.events, now: deps.now ?? (() => new Date()) }, hpas, pods, deps);
  await Promise.all([hpas.start(), pods.start()]);
  controller.start();
  return {
    stop: () => {
      controller.stop();
      hpas.stop();
      pods.stop();
    },
    idle: () => controller.idle(),
  };
}
