// The node's side of `kubectl logs`, `exec` and `port-forward`: the handlers, and the live Service cache
// exec needs for the service variables. Served by the API server itself when the node is in its
// process (`up`), by the agent's kubelet port otherwise (kubelet-server.ts).

import type { SubresourceHandler } from '../api/http/resource-handler.js';
import type { UpgradeHandler } from '../api/server.js';
import type { Service } from '../apis/core/service/types.js';
import { R, type Client } from '../client/client.js';
import { Informer } from '../client/informer.js';
import { execHandler } from './exec.js';
import { kubeletEndpoints, type KubeletEndpoints } from './kubelet-endpoints.js';
import { logsHandler } from './logs.js';
import { portForwardHandler } from './portforward/portforward.js';
import type { PodPlacement } from './pod-placement.js';

export interface PodHandlers {
  log: SubresourceHandler;
  exec: UpgradeHandler;
  portforward: UpgradeHandler;
  /** /healthz, /pods and /metrics/resource, what nodes/NAME/proxy reaches. */
  endpoints: KubeletEndpoints;
  stop(): void;
}

export async function startPodHandlers(client: Client, placement: PodPlacement, nodeName: string): Promise<PodHandlers> {
  const services = new Informer<Service>(client, R.services);
  await services.start();
  return {
    log: logsHandler({ client, placement }),
    exec: execHandler({ client, placement, services: () => services.list() }),
    portforward: portForwardHandler({ client, placement }),
    endpoints: kubeletEndpoints(client, placement, nodeName),
    stop: () => services.stop(),
  };
}
