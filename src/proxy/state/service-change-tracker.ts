// Records Service changes between syncs as {previous, current} port maps per service
// (kube-proxy's ServiceChangeTracker). An update that changes nothing the datapath uses, or a
// series of updates that ends where it began, leaves nothing pending.

import type { Service } from '../../apis/core/service/types.js';
import type { Clock } from '../../util/clock.js';
import { sameJSON, type Change } from './change.js';
import { servicePorts } from './service-ports.js';
import type { ServicePortInfo } from './types.js';

export type ServicePortMap = Map<string, ServicePortInfo>;

const toMap = (svc: Service | undefined): ServicePortMap =>
  new Map(svc ? servicePorts(svc).map((p) => [p.key, p]) : []);

const mapsEqual = <T>(a: Map<string, T>, b: Map<string, T>): boolean => sameJSON([...a], [...b]);

export class ServiceChangeTracker {
  private pending = new Map<string, Change<ServicePortMap>>();

  constructor(private readonly clock: Clock) {}

  /** Records a change (add: previous undefined; delete: current undefined); true if one is pending. */
  update(previous: Service | undefined, current: Service | undefined): boolean {
    const obj = current ?? previous;
    if (!obj) return false;
    const key = `${obj.metadata.namespace ?? 'default'}/${obj.metadata.name}`;
    const change = this.pending.get(key) ?? { previous: toMap(previous), current: new Map(), since: this.clock.now() };
    change.current = toMap(current);
    if (mapsEqual(change.previous, change.current)) this.pending.delete(key);
    else this.pending.set(key, change);
    return this.pending.has(key);
  }

  /** Hands the pending changes over and forgets them. */
  checkout(): Map<string, Change<ServicePortMap>> {
    const out = this.pending;
    this.pending = new Map();
    return out;
  }
}
