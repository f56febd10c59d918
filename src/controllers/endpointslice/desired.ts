// The EndpointSlice content a Service should have, from the pods it selects and their nodes:
// pure, so the controller only diffs and writes.

import type { Pod } from '../../apis/core/pods.js';
import type { Service } from '../../apis/core/service/types.js';
import type { KubeObject } from '../../apis/types.js';
import type { Endpoint } from '../../apis/discovery/endpointslices.js';
import { addToGroup, type SliceGroup } from './slice-group.js';
import { LABEL_ZONE } from './labels.js';
import {
  addressTypesOf,
  endpointPorts,
  hostnameFor,
  isPodReady,
  isTerminating,
  podAddresses,
  shouldPodBeInEndpoints,
} from './pod-endpoint.js';

export interface DesiredSlices {
  groups: SliceGroup[];
  /** Pods left out because their node is unknown (yet): the caller retries later. */
  podsOnUnknownNodes: string[];
}

export function podToEndpoint(pod: Pod, node: KubeObject | undefined, svc: Service, addresses: string[]): Endpoint {
  const serving = isPodReady(pod);
  const terminating = isTerminating(pod);
  // A terminating pod is never "ready", unless the Service publishes every address.
  const ready = !!svc.spec.publishNotReadyAddresses || (serving && !terminating);
  const hostname = hostnameFor(pod, svc);
  const zone = node?.metadata.labels?.[LABEL_ZONE];
  return {
    addresses,
    conditions: { ready, serving, terminating },
    ...(hostname ? { hostname } : {}),
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
    ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    ...(zone ? { zone } : {}),
  };
}

/** `pods` are those the Service's selector matches; `node` looks a node up by name. */
export function desiredSlices(svc: Service, pods: Pod[], node: (name: string) => KubeObject | undefined): DesiredSlices {
  const groups = new Map<string, SliceGroup>();
  const podsOnUnknownNodes: string[] = [];
  const sorted = [...pods].sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
  for (const pod of sorted) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const nodeName = pod.spec?.nodeName;
    const n = nodeName ? node(nodeName) : undefined;
    // A pod bound to a node that does not exist may be a leftover of a deleted node: keep it
    // out (and look again later), unless the Service asks for every address.
    if (nodeName && !n && !svc.spec.publishNotReadyAddresses) {
      podsOnUnknownNodes.push(pod.metadata.name!);
      continue;
    }
    const ports = endpointPorts(svc, pod);
    for (const addressType of addressTypesOf(svc)) {
      const addresses = podAddresses(pod, addressType);
      if (addresses.length) addToGroup(groups, addressType, ports, podToEndpoint(pod, n, svc, addresses));
    }
  }
  return { groups: [...groups.values()], podsOnUnknownNodes };
}
