// The EndpointSlice mirroring controller: a user-made Endpoints for a Service without a
// selector (the "external database" of the tutorials) is mirrored into EndpointSlices, which
// are what proxies and `kubectl describe svc` read. Mirrored slices follow the Endpoints
// through updates and go with it, or when the Service gains a selector or disappears.

import type { Logger } from 'pino';
import type { Service } from '../../apis/core/service/types.js';
import type { Endpoints } from '../../apis/core/endpoints.js';
import type { EndpointSlice } from '../../apis/discovery/endpointslices.js';
import type { Client } from '../../client/client.js';
import type { EventRecorder } from '../../client/events.js';
import type { Informer } from '../../client/informer.js';
import { applySlicePlan } from '../endpointslice/apply.js';
import { LABEL_SKIP_MIRROR, MIRRORING_CONTROLLER } from '../endpointslice/labels.js';
import { planSlices } from '../endpointslice/plan.js';
import { hasSelector } from '../endpointslice/pod-endpoint.js';
import { SliceCache } from '../endpointslice/slice-cache.js';
import { SyncLoop } from '../endpointslice/sync-loop.js';
import { MAX_ENDPOINTS_PER_SUBSET, mirrorGroups, mirrorOwner } from './desired.js';

export interface MirroringInputs {
  client: Client;
  log: Logger;
  events: EventRecorder;
  services: Informer<Service>;
  endpoints: Informer<Endpoints>;
  slices: Informer<EndpointSlice>;
  batchPeriodMs: number;
}

/** Mirrored: the Endpoints of an existing selector-less Service, unless opted out. (Whatever
 *  the endpoints controller wrote before a selector was removed is the user's now.) */
export function shouldMirror(ep: Endpoints | undefined, svc: Service | undefined): ep is Endpoints {
  return !!ep && !!svc && !hasSelector(svc) && ep.metadata.labels?.[LABEL_SKIP_MIRROR] !== 'true';
}

export class EndpointSliceMirroringController {
  private readonly loop: SyncLoop;
  private readonly cache = new SliceCache(MIRRORING_CONTROLLER);

  constructor(private readonly deps: MirroringInputs) {
    this.loop = new SyncLoop((key) => this.sync(key), {
      workers: 2,
      batchPeriodMs: deps.batchPeriodMs,
      onError: (key, err) => deps.log.warn({ err, endpoints: key }, 'mirroring Endpoints failed; will retry'),
    });
    const byName = (o: Service | Endpoints): void => this.loop.add(`${o.metadata.namespace}/${o.metadata.name}`);
    deps.services.on({ add: byName, update: (_, s) => byName(s), delete: byName });
    deps.endpoints.on({ add: byName, update: (_, e) => byName(e), delete: byName });
    const slice = (type: 'add' | 'update' | 'delete') => (s: EndpointSlice) => {
      const owner = this.cache.observe(type, s);
      if (owner) this.loop.add(owner);
    };
    deps.slices.on({ add: slice('add'), update: (_, s) => slice('update')(s), delete: slice('delete') });
  }

  /** Call once the informers have synced: every Endpoints, and the owner of every mirror. */
  start(): void {
    const owners = this.deps.slices.list().map((s) => this.cache.ownerKey(s));
    this.loop.start([...this.deps.endpoints.list().map((ep) => `${ep.metadata.namespace}/${ep.metadata.name}`), ...owners.filter((k): k is string => !!k)]);
  }

  stop(): void {
    this.loop.stop();
  }

  private async sync(key: string): Promise<void> {
    const [namespace, name] = key.split('/');
    const ep = this.deps.endpoints.get(namespace, name);
    const existing = this.cache.list(key);
    if (!shouldMirror(ep, this.deps.services.get(namespace, name))) {
      await applySlicePlan(this.deps.client, this.cache, namespace, { create: [], update: [], delete: existing });
      return;
    }
    const { groups, skipped } = mirrorGroups(ep);
    await applySlicePlan(this.deps.client, this.cache, namespace, planSlices(mirrorOwner(ep), existing, groups, MAX_ENDPOINTS_PER_SUBSET));
    if (skipped)
      this.deps.events.record(ep, 'Warning', 'EndpointsTooLarge', `${skipped} addresses were skipped: subsets of Endpoints are mirrored up to ${MAX_ENDPOINTS_PER_SUBSET} addresses each`);
  }
}
