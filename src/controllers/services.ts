// The Service controllers of kube-controller-manager and cloud-controller-manager, started
// together on shared informers: EndpointSlices, Endpoints, EndpointSlice mirroring and
// LoadBalancer address pools.

import type { Logger } from 'pino';
import type { Pod } from '../apis/core/pods.js';
import type { Service } from '../apis/core/service/types.js';
import type { Endpoints } from '../apis/core/endpoints.js';
import type { EndpointSlice } from '../apis/discovery/endpointslices.js';
import { R, type Client } from '../client/client.js';
import type { EventRecorder } from '../client/events.js';
import { Informer } from '../client/informer.js';
import { DEFAULT_MAX_ENDPOINTS_PER_SLICE, EndpointSliceController } from './endpointslice/controller.js';
import { PodsByNamespace, ServiceSelectors } from './endpointslice/indexes.js';
import { EndpointsController } from './endpoints/controller.js';
import { EndpointSliceMirroringController } from './endpointslice-mirroring/controller.js';
import { LoadBalancerController } from './loadbalancer/controller.js';
import { DEFAULT_LB_POOL, parsePool } from './loadbalancer/pools.js';

export interface ServiceControllersOptions {
  client: Client;
  log: Logger;
  events: EventRecorder;
  /** CIDRs or ranges (`127.240.1.10-127.240.1.20`); empty: the default pool. */
  lbPools: string[];
  /** status.loadBalancer.ingress[].ipMode of the addresses given (default VIP). */
  lbIPMode?: 'VIP' | 'Proxy';
  maxEndpointsPerSlice?: number;
  /** Events within this period are synced together (default 0: the next turn of the loop). */
  batchPeriodMs?: number;
}

export async function startServiceControllers(opts: ServiceControllersOptions): Promise<{ stop(): void }> {
  const pools = (opts.lbPools.length ? opts.lbPools : [DEFAULT_LB_POOL]).map(parsePool);
  const { client, events } = opts;
  const services = new Informer<Service>(client, R.services);
  const pods = new Informer<Pod>(client, R.pods);
  const nodes = new Informer(client, R.nodes);
  const slices = new Informer<EndpointSlice>(client, R.endpointSlices);
  const endpoints = new Informer<Endpoints>(client, R.endpoints);
  const informers = [services, pods, nodes, slices, endpoints];
  // Indexes first: handlers run in registration order, so controllers see them up to date.
  const selectors = new ServiceSelectors(services);
  const podsByNamespace = new PodsByNamespace(pods);
  const batchPeriodMs = opts.batchPeriodMs ?? 0;
  const shared = { client, events, services, pods, selectors, podsByNamespace, batchPeriodMs };
  const controllers = [
    new EndpointSliceController(
      { ...shared, log: opts.log.child({ controller: 'endpointslice' }), nodes, slices },
      opts.maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE,
    ),
    new EndpointsController({ ...shared, log: opts.log.child({ controller: 'endpoints' }), endpoints }),
    new EndpointSliceMirroringController({ client, events, services, endpoints, slices, batchPeriodMs, log: opts.log.child({ controller: 'endpointslice-mirroring' }) }),
    new LoadBalancerController({ client, events, services, pools, ipMode: opts.lbIPMode, log: opts.log.child({ controller: 'loadbalancer' }) }),
  ];
  try {
    await Promise.all(informers.map((i) => i.start()));
  } catch (e) {
    for (const i of informers) i.stop();
    throw e;
  }
  for (const c of controllers) c.start();
  return {
    stop() {
      for (const c of controllers) c.stop();
      for (const i of informers) i.stop();
    },
  };
}
