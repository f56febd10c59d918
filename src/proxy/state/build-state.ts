// The whole desired state from the proxy's maps: every service port with its endpoints and, per
// address, what happens to a connection. Also builds it straight from lists of objects (for
// `tinykube explain` outside the proxy) through the same trackers.

import type { Service } from '../../apis/core/service/types.js';
import type { EndpointSlice } from '../../apis/discovery/endpointslices.js';
import { realClock } from '../../util/clock.js';
import { planAddresses } from './categorize.js';
import { applyChanges } from './change.js';
import { EndpointsChangeTracker, type EndpointsMap } from './endpoints-change-tracker.js';
import { ServiceChangeTracker, type ServicePortMap } from './service-change-tracker.js';
import type { ProxyState } from './types.js';

export interface NodeView {
  nodeName: string;
  nodePortIPs: string[];
}

export function buildState(services: ServicePortMap, endpoints: EndpointsMap, node: NodeView, synced: boolean): ProxyState {
  const keys = [...services.keys()].sort();
  return {
    ...node,
    synced,
    ports: new Map(
      keys.map((k) => {
        const service = services.get(k)!;
        const eps = endpoints.get(k) ?? [];
        return [k, { service, endpoints: eps, addresses: planAddresses(service, eps, node.nodePortIPs) }];
      }),
    ),
  };
}

export function stateFromObjects(services: Service[], slices: EndpointSlice[], node: NodeView): ProxyState {
  const st = new ServiceChangeTracker(realClock);
  const et = new EndpointsChangeTracker(node.nodeName, realClock);
  for (const s of services) st.update(undefined, s);
  for (const s of slices) et.update(s, false);
  const svcMap: ServicePortMap = new Map();
  const epMap: EndpointsMap = new Map();
  applyChanges(svcMap, st.checkout());
  applyChanges(epMap, et.checkout());
  return buildState(svcMap, epMap, node, true);
}
