// What the mirrored EndpointSlices of a user-made Endpoints hold: each subset's addresses
// (ready and not ready) under that subset's ports, split by address family, at most 1,000
// addresses per subset (as the mirroring controller's default limit).

import type { EndpointAddress, EndpointSubset, Endpoints } from '../../apis/core/endpoints.js';
import type { Endpoint, EndpointPort } from '../../apis/discovery/endpointslices.js';
import { ipFamilyOf } from '../../util/ip.js';
import { LABEL_MANAGED_BY, LABEL_SERVICE_NAME, MIRRORING_CONTROLLER } from '../endpointslice/labels.js';
import type { SliceOwner } from '../endpointslice/plan.js';
import { addToGroup, type SliceGroup } from '../endpointslice/slice-group.js';

export const MAX_ENDPOINTS_PER_SUBSET = 1000;

/** Annotations that describe the Endpoints object itself, not its addresses. */
const NOT_MIRRORED = ['endpoints.kubernetes.io/last-change-trigger-time', 'kubectl.kubernetes.io/last-applied-configuration'];

function toEndpoint(a: EndpointAddress, ready: boolean): Endpoint {
  return {
    addresses: [a.ip],
    conditions: { ready, serving: ready, terminating: false },
    ...(a.hostname ? { hostname: a.hostname } : {}),
    ...(a.targetRef ? { targetRef: a.targetRef } : {}),
    ...(a.nodeName ? { nodeName: a.nodeName } : {}),
  };
}

const slicePorts = (ss: EndpointSubset): EndpointPort[] =>
  (ss.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }));

export interface MirrorGroups {
  groups: SliceGroup[];
  /** Addresses left out past the per-subset limit. */
  skipped: number;
}

export function mirrorGroups(ep: Endpoints): MirrorGroups {
  const groups = new Map<string, SliceGroup>();
  let skipped = 0;
  for (const ss of ep.subsets ?? []) {
    const ports = slicePorts(ss);
    const all = [...(ss.addresses ?? []).map((a) => [a, true] as const), ...(ss.notReadyAddresses ?? []).map((a) => [a, false] as const)];
    skipped += Math.max(0, all.length - MAX_ENDPOINTS_PER_SUBSET);
    for (const [address, ready] of all.slice(0, MAX_ENDPOINTS_PER_SUBSET)) {
      const family = ipFamilyOf(address.ip);
      if (family) addToGroup(groups, family, ports, toEndpoint(address, ready));
    }
  }
  return { groups: [...groups.values()], skipped };
}

/** Mirrored slices carry the Endpoints' labels and annotations and are owned by it. */
export function mirrorOwner(ep: Endpoints): SliceOwner {
  const annotations = Object.fromEntries(Object.entries(ep.metadata.annotations ?? {}).filter(([k]) => !NOT_MIRRORED.includes(k)));
  return {
    namespace: ep.metadata.namespace!,
    generateName: `${ep.metadata.name}-`,
    labels: { ...(ep.metadata.labels ?? {}), [LABEL_SERVICE_NAME]: ep.metadata.name!, [LABEL_MANAGED_BY]: MIRRORING_CONTROLLER },
    annotations,
    ownerReference: { apiVersion: 'v1', kind: 'Endpoints', name: ep.metadata.name!, uid: ep.metadata.uid!, controller: true, blockOwnerDeletion: true },
    addressTypes: ['IPv4', 'IPv6'],
    placeholder: false,
  };
}
