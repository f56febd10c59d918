// Records EndpointSlice changes between syncs (kube-proxy's EndpointsChangeTracker with its
// EndpointSliceCache): each service keeps its applied slices and the pending ones; at checkout
// the service's merged endpoints before and after are compared and no-ops dropped.

import type { EndpointSlice } from '../../apis/discovery/endpointslices.js';
import type { Clock } from '../../util/clock.js';
import { mergeEndpoints, sliceEndpoints, sliceServiceName } from './endpoints.js';
import { sameJSON, type Change } from './change.js';
import type { EndpointInfo } from './types.js';

/** Endpoints by service port key. */
export type EndpointsMap = Map<string, EndpointInfo[]>;
type SlicePorts = Map<string, EndpointInfo[]>;

interface ServiceSlices {
  applied: Map<string, SlicePorts>;
  /** null: the slice was deleted. */
  pending: Map<string, SlicePorts | null>;
  since: number;
}

export class EndpointsChangeTracker {
  private services = new Map<string, ServiceSlices>();

  constructor(private readonly nodeName: string, private readonly clock: Clock) {}

  /** Records a slice's new content (or its removal); true if its service has a change pending. */
  update(slice: EndpointSlice, removed: boolean): boolean {
    const svc = sliceServiceName(slice);
    if (!svc) return false;
    let s = this.services.get(svc);
    if (!s) this.services.set(svc, (s = { applied: new Map(), pending: new Map(), since: this.clock.now() }));
    if (s.pending.size === 0) s.since = this.clock.now();
    const name = slice.metadata.name ?? '';
    const next = removed ? null : sliceEndpoints(slice, this.nodeName);
    const applied = s.applied.get(name) ?? null;
    if (sameJSON(applied && [...applied], next && [...next])) s.pending.delete(name);
    else s.pending.set(name, next);
    if (s.pending.size === 0 && s.applied.size === 0) this.services.delete(svc);
    return s.pending.size > 0;
  }

  /** Applies pending slices and returns, per changed service, its endpoints before and after. */
  checkout(): Map<string, Change<EndpointsMap>> {
    const out = new Map<string, Change<EndpointsMap>>();
    for (const [svc, s] of this.services) {
      if (s.pending.size === 0) continue;
      const previous = merged(s.applied);
      for (const [name, ports] of s.pending) {
        if (ports) s.applied.set(name, ports);
        else s.applied.delete(name);
      }
      s.pending.clear();
      if (s.applied.size === 0) this.services.delete(svc);
      const current = merged(s.applied);
      if (!sameJSON([...previous], [...current])) out.set(svc, { previous, current, since: s.since });
    }
    return out;
  }
}

function merged(slices: Map<string, SlicePorts>): EndpointsMap {
  const byPort = new Map<string, EndpointInfo[][]>();
  for (const ports of slices.values()) {
    for (const [key, eps] of ports) byPort.set(key, [...(byPort.get(key) ?? []), eps]);
  }
  return new Map([...byPort].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, lists]) => [k, mergeEndpoints(lists)]));
}
