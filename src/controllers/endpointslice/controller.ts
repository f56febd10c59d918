// The EndpointSlice controller (kube-controller-manager's endpointslice controller): keeps, for
// every Service with a selector, EndpointSlices listing the pods it selects. Events only find
// the Services to sync; a sync computes the desired slices (desired.ts), diffs them against
// the stored ones (plan.ts) and writes the difference.

import type { Logger } from 'pino';
import type { Pod } from '../../apis/core/pods.js';
import type { Service } from '../../apis/core/service/types.js';
import type { EndpointSlice } from '../../apis/discovery/endpointslices.js';
import type { KubeObject } from '../../apis/types.js';
import type { Client } from '../../client/client.js';
import type { EventRecorder } from '../../client/events.js';
import type { Informer } from '../../client/informer.js';
import { applySlicePlan } from './apply.js';
import { desiredSlices } from './desired.js';
import type { PodsByNamespace, ServiceSelectors } from './indexes.js';
import { LABEL_MANAGED_BY, LABEL_SERVICE_NAME, LABEL_ZONE, SLICE_CONTROLLER } from './labels.js';
import { planSlices, type SliceOwner } from './plan.js';
import { addressTypesOf, inheritedLabels, wantsEndpoints } from './pod-endpoint.js';
import { onServiceOrPodChange } from './triggers.js';
import { SliceCache } from './slice-cache.js';
import { SyncLoop } from './sync-loop.js';

export const DEFAULT_MAX_ENDPOINTS_PER_SLICE = 100;
/** How soon a Service with pods on unknown nodes is looked at again. */
const UNKNOWN_NODE_RETRY_MS = 1000;

export interface EndpointControllerInputs {
  client: Client;
  log: Logger;
  events: EventRecorder;
  services: Informer<Service>;
  pods: Informer<Pod>;
  nodes: Informer;
  slices: Informer<EndpointSlice>;
  podsByNamespace: PodsByNamespace;
  selectors: ServiceSelectors;
  /** Events within this period are synced together. */
  batchPeriodMs: number;
}

const splitKey = (key: string): [string, string] => key.split('/') as [string, string];
const keyOf = (o: KubeObject): string => `${o.metadata.namespace}/${o.metadata.name}`;

export class EndpointSliceController {
  private readonly loop: SyncLoop;
  private readonly cache = new SliceCache(SLICE_CONTROLLER);

  constructor(private readonly deps: EndpointControllerInputs, private readonly maxEndpointsPerSlice = DEFAULT_MAX_ENDPOINTS_PER_SLICE) {
    this.loop = new SyncLoop((key) => this.sync(key), { workers: 4, batchPeriodMs: deps.batchPeriodMs, onError: (key, err) => this.failed(key, err) });
    onServiceOrPodChange(deps, (key) => this.loop.add(key));
    deps.nodes.on({
      // Only a node's zone shows in slices; a node appearing lets its pods in.
      add: (n) => this.nodeChanged(n),
      update: (old, n) => {
        if (old.metadata.labels?.[LABEL_ZONE] !== n.metadata.labels?.[LABEL_ZONE]) this.nodeChanged(n);
      },
      delete: (n) => this.nodeChanged(n),
    });
    deps.slices.on({
      add: (s) => this.sliceEvent('add', s),
      update: (_, s) => this.sliceEvent('update', s),
      delete: (s) => this.sliceEvent('delete', s),
    });
  }

  /** Call once the informers have synced: every Service, and the owner of every slice of
   *  ours (slices of Services deleted while we were down go). */
  start(): void {
    const owners = this.deps.slices.list().map((s) => this.cache.ownerKey(s));
    this.loop.start([...this.deps.services.list().map(keyOf), ...owners.filter((k): k is string => !!k)]);
  }

  stop(): void {
    this.loop.stop();
  }

  private nodeChanged(node: KubeObject): void {
    const keys = new Set<string>();
    for (const pod of this.deps.pods.list()) {
      if (pod.spec?.nodeName === node.metadata.name) for (const k of this.deps.selectors.servicesOf(pod)) keys.add(k);
    }
    for (const k of keys) this.loop.add(k);
  }

  private sliceEvent(type: 'add' | 'update' | 'delete', s: EndpointSlice): void {
    const owner = this.cache.observe(type, s);
    if (owner) this.loop.add(owner);
  }

  private failed(key: string, err: unknown): void {
    this.deps.log.warn({ err, service: key }, 'syncing EndpointSlices failed; will retry');
    const svc = this.deps.services.get(...splitKey(key));
    if (svc) this.deps.events.record(svc, 'Warning', 'FailedToUpdateEndpointSlices', `Error updating Endpoint Slices for Service ${key}: ${(err as Error).message}`);
  }

  private async sync(key: string): Promise<void> {
    const [namespace, name] = splitKey(key);
    const svc = this.deps.services.get(namespace, name);
    const existing = this.cache.list(key);
    if (!svc || !wantsEndpoints(svc)) {
      // Gone, or its endpoints come from elsewhere now: our slices go.
      await applySlicePlan(this.deps.client, this.cache, namespace, { create: [], update: [], delete: existing });
      return;
    }
    // A Service being deleted gets no new slices (the garbage collector removes them).
    if (svc.metadata.deletionTimestamp) return;
    const pods = this.deps.podsByNamespace.matching(namespace, this.deps.selectors.selectorOf(svc));
    const { groups, podsOnUnknownNodes } = desiredSlices(svc, pods, (n) => this.deps.nodes.get(undefined, n));
    await applySlicePlan(this.deps.client, this.cache, namespace, planSlices(sliceOwner(svc), existing, groups, this.maxEndpointsPerSlice));
    if (podsOnUnknownNodes.length) this.loop.addAfter(key, UNKNOWN_NODE_RETRY_MS);
  }
}

/** What the slices of a Service carry. */
export function sliceOwner(svc: Service): SliceOwner {
  return {
    namespace: svc.metadata.namespace!,
    generateName: `${svc.metadata.name}-`,
    labels: {
      ...inheritedLabels(svc, [LABEL_SERVICE_NAME, LABEL_MANAGED_BY]),
      [LABEL_SERVICE_NAME]: svc.metadata.name!,
      [LABEL_MANAGED_BY]: SLICE_CONTROLLER,
    },
    ownerReference: { apiVersion: 'v1', kind: 'Service', name: svc.metadata.name!, uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true },
    addressTypes: addressTypesOf(svc),
    placeholder: true,
  };
}
