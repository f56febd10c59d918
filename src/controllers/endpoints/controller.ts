// The Endpoints controller (kube-controller-manager's endpoint controller): one core/v1
// Endpoints per Service with a selector, named like it. Services without a selector are left
// alone — their Endpoints belong to the user (mirrored into slices by the mirroring
// controller) or, for `kubernetes`, to the API server.

import type { Logger } from 'pino';
import type { Pod } from '../../apis/core/pods.js';
import type { Service } from '../../apis/core/service/types.js';
import type { Endpoints } from '../../apis/core/endpoints.js';
import { jsonEqual } from '../../util/json-equal.js';
import { R, type Client } from '../../client/client.js';
import type { EventRecorder } from '../../client/events.js';
import type { Informer } from '../../client/informer.js';
import { isConflict, isNotFound } from '../endpointslice/api-errors.js';
import type { PodsByNamespace, ServiceSelectors } from '../endpointslice/indexes.js';
import { ENDPOINTS_CONTROLLER, LABEL_ENDPOINTS_MANAGED_BY } from '../endpointslice/labels.js';
import { wantsEndpoints } from '../endpointslice/pod-endpoint.js';
import { SyncLoop } from '../endpointslice/sync-loop.js';
import { onServiceOrPodChange } from '../endpointslice/triggers.js';
import { desiredEndpoints } from './desired.js';

export interface EndpointsControllerInputs {
  client: Client;
  log: Logger;
  events: EventRecorder;
  services: Informer<Service>;
  pods: Informer<Pod>;
  endpoints: Informer<Endpoints>;
  podsByNamespace: PodsByNamespace;
  selectors: ServiceSelectors;
  batchPeriodMs: number;
}

const revision = (o: Endpoints | undefined): number => Number(o?.metadata.resourceVersion ?? 0);
const isManaged = (ep: Endpoints): boolean => ep.metadata.labels?.[LABEL_ENDPOINTS_MANAGED_BY] === ENDPOINTS_CONTROLLER;

const sameContent = (a: Endpoints, b: Endpoints): boolean =>
  jsonEqual(a.metadata.labels ?? {}, b.metadata.labels ?? {}) &&
  jsonEqual(a.metadata.annotations ?? {}, b.metadata.annotations ?? {}) &&
  jsonEqual(a.subsets ?? [], b.subsets ?? []);

export class EndpointsController {
  private readonly loop: SyncLoop;
  /** What this controller last wrote, until the informer has caught up with it. */
  private readonly written = new Map<string, Endpoints>();

  constructor(private readonly deps: EndpointsControllerInputs) {
    this.loop = new SyncLoop((key) => this.sync(key), { workers: 4, batchPeriodMs: deps.batchPeriodMs, onError: (key, err) => this.failed(key, err) });
    onServiceOrPodChange(deps, (key) => this.loop.add(key));
    const changed = (ep: Endpoints): void => {
      const key = `${ep.metadata.namespace}/${ep.metadata.name}`;
      const mine = this.written.get(key);
      if (mine && revision(mine) >= revision(ep)) return; // the echo of our own write
      this.written.delete(key);
      this.loop.add(key);
    };
    deps.endpoints.on({ add: changed, update: (_, ep) => changed(ep), delete: changed });
  }

  /** Call once the informers have synced: every Service, and every Endpoints we made. */
  start(): void {
    const key = (o: Service | Endpoints): string => `${o.metadata.namespace}/${o.metadata.name}`;
    this.loop.start([...this.deps.services.list().map(key), ...this.deps.endpoints.list().filter(isManaged).map(key)]);
  }

  stop(): void {
    this.loop.stop();
  }

  private failed(key: string, err: unknown): void {
    this.deps.log.warn({ err, service: key }, 'syncing Endpoints failed; will retry');
    const [namespace, name] = key.split('/');
    const svc = this.deps.services.get(namespace, name);
    if (svc) this.deps.events.record(svc, 'Warning', 'FailedToUpdateEndpoint', `Failed to update endpoint ${key}: ${(err as Error).message}`);
  }

  /** The newer of the informer's copy and our last write. */
  private current(namespace: string, name: string): Endpoints | undefined {
    const cached = this.deps.endpoints.get(namespace, name);
    const mine = this.written.get(`${namespace}/${name}`);
    return mine && revision(mine) > revision(cached) ? mine : cached;
  }

  private async sync(key: string): Promise<void> {
    const [namespace, name] = key.split('/');
    const svc = this.deps.services.get(namespace, name);
    const current = this.current(namespace, name);
    if (!svc) {
      this.written.delete(key);
      if (current && isManaged(current)) await this.remove(current);
      return;
    }
    if (!wantsEndpoints(svc) || svc.metadata.deletionTimestamp) return;
    const pods = this.deps.podsByNamespace.matching(namespace, this.deps.selectors.selectorOf(svc));
    await this.write(key, svc, pods, current);
  }

  private async write(key: string, svc: Service, pods: Pod[], current: Endpoints | undefined, retried = false): Promise<void> {
    const desired = desiredEndpoints(svc, pods, current);
    if (current && sameContent(current, desired)) return;
    const [namespace] = key.split('/');
    try {
      const written = current
        ? await this.deps.client.update<Endpoints>(R.endpoints, namespace, desired)
        : await this.deps.client.create<Endpoints>(R.endpoints, namespace, desired);
      this.written.set(key, written);
    } catch (e) {
      if (retried || !isConflict(e)) throw e;
      // Someone else wrote it meanwhile: read it and try once more.
      const fresh = await this.deps.client.get<Endpoints>(R.endpoints, namespace, svc.metadata.name!).catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
      await this.write(key, svc, pods, fresh, true);
    }
  }

  private async remove(ep: Endpoints): Promise<void> {
    try {
      await this.deps.client.delete(R.endpoints, ep.metadata.namespace, ep.metadata.name!, { preconditions: { uid: ep.metadata.uid } });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
