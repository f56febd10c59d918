// The core/v1 Endpoints a Service with a selector should have (the legacy view `kubectl get
// endpoints` prints): ready pods in `addresses`, the rest in `notReadyAddresses`, pods grouped
// into subsets by the ports they serve, at most 1,000 addresses (then marked over capacity).

import type { Pod } from '../../apis/core/pods.js';
import { CLUSTER_IP_NONE, type Service } from '../../apis/core/service/types.js';
import type { EndpointAddress, EndpointPort, Endpoints, EndpointSubset } from '../../apis/core/endpoints.js';
import { ENDPOINTS_CONTROLLER, LABEL_ENDPOINTS_MANAGED_BY } from '../endpointslice/labels.js';
import {
  addressTypesOf,
  findPort,
  hostnameFor,
  inheritedLabels,
  isPodReady,
  podAddresses,
  shouldPodBeInEndpoints,
} from '../endpointslice/pod-endpoint.js';

export const MAX_ADDRESSES = 1000;
export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const byIP = (a: EndpointAddress, b: EndpointAddress): number => byText(a.ip, b.ip) || byText(a.targetRef?.uid ?? '', b.targetRef?.uid ?? '');

function podPorts(svc: Service, pod: Pod): EndpointPort[] {
  const ports: EndpointPort[] = [];
  for (const sp of svc.spec.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    ports.push({ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
  }
  return ports.sort((a, b) => byText(a.name ?? '', b.name ?? '') || a.port - b.port);
}

/** Subsets for the pods a Service's selector matches. */
export function desiredSubsets(svc: Service, pods: Pod[]): EndpointSubset[] {
  const publishNotReady = !!svc.spec.publishNotReadyAddresses;
  const family = addressTypesOf(svc)[0];
  const headlessWithoutPorts = svc.spec.clusterIP === CLUSTER_IP_NONE && !svc.spec.ports?.length;
  const subsets = new Map<string, EndpointSubset>();
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const [ip] = podAddresses(pod, family);
    if (!ip) continue;
    const ports = podPorts(svc, pod);
    // A pod that serves none of the Service's ports is not an endpoint of it.
    if (!ports.length && !headlessWithoutPorts) continue;
    const hostname = hostnameFor(pod, svc);
    const address: EndpointAddress = {
      ip,
      ...(hostname ? { hostname } : {}),
      ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
      targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
    };
    const key = JSON.stringify(ports);
    let subset = subsets.get(key);
    if (!subset) subsets.set(key, (subset = { addresses: [], notReadyAddresses: [], ...(ports.length ? { ports } : {}) }));
    (publishNotReady || isPodReady(pod) ? subset.addresses! : subset.notReadyAddresses!).push(address);
  }
  return [...subsets.entries()]
    .sort(([a], [b]) => byText(a, b))
    .map(([, s]) => ({
      ...(s.addresses!.length ? { addresses: s.addresses!.sort(byIP) } : {}),
      ...(s.notReadyAddresses!.length ? { notReadyAddresses: s.notReadyAddresses!.sort(byIP) } : {}),
      ...(s.ports ? { ports: s.ports } : {}),
    }));
}

/** Keeps at most `max` addresses, ready ones first, each subset its proportional share. */
export function truncateSubsets(subsets: EndpointSubset[], max: number): { subsets: EndpointSubset[]; truncated: boolean } {
  const count = (field: 'addresses' | 'notReadyAddresses') => subsets.reduce((n, s) => n + (s[field]?.length ?? 0), 0);
  const totalReady = count('addresses');
  const totalNotReady = count('notReadyAddresses');
  if (totalReady + totalNotReady <= max) return { subsets, truncated: false };
  const budget = { addresses: Math.min(totalReady, max), notReadyAddresses: max - Math.min(totalReady, max) };
  const totals = { addresses: totalReady, notReadyAddresses: totalNotReady };
  const left = { ...budget };
  const keep = (s: EndpointSubset, field: 'addresses' | 'notReadyAddresses'): EndpointAddress[] => {
    const list = s[field] ?? [];
    const n = Math.min(Math.ceil((list.length / (totals[field] || 1)) * budget[field]), left[field]);
    left[field] -= n;
    return list.slice(0, n);
  };
  const out = subsets
    .map((s) => {
      const addresses = keep(s, 'addresses');
      const notReadyAddresses = keep(s, 'notReadyAddresses');
      return { ...(addresses.length ? { addresses } : {}), ...(notReadyAddresses.length ? { notReadyAddresses } : {}), ...(s.ports ? { ports: s.ports } : {}) };
    })
    .filter((s) => s.addresses || s.notReadyAddresses);
  return { subsets: out, truncated: true };
}

/** The whole Endpoints object; `current` keeps annotations others put there. */
export function desiredEndpoints(svc: Service, pods: Pod[], current: Endpoints | undefined): Endpoints {
  const { subsets, truncated } = truncateSubsets(desiredSubsets(svc, pods), MAX_ADDRESSES);
  const annotations = { ...(current?.metadata.annotations ?? {}) };
  delete annotations[OVER_CAPACITY_ANNOTATION];
  if (truncated) annotations[OVER_CAPACITY_ANNOTATION] = 'truncated';
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: {
      ...(current?.metadata ?? {}),
      name: svc.metadata.name,
      namespace: svc.metadata.namespace,
      labels: { ...inheritedLabels(svc, [LABEL_ENDPOINTS_MANAGED_BY]), [LABEL_ENDPOINTS_MANAGED_BY]: ENDPOINTS_CONTROLLER },
      annotations,
    },
    subsets,
  };
}
