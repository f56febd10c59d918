// What a pod contributes to a Service's endpoints, as pure functions shared by the
// EndpointSlice and Endpoints controllers: whether it is listed at all, its addresses per
// family, its readiness, the port numbers a Service's targetPorts resolve to on it, and its
// DNS hostname.

import type { Pod } from '../../apis/core/pods.js';
import type { Container } from '../../apis/core/pod-template.js';
import { CLUSTER_IP_NONE, type Service, type ServicePort } from '../../apis/core/service/types.js';
import type { AddressType, EndpointPort } from '../../apis/discovery/endpointslices.js';
import { ipFamilyOf } from '../../util/ip.js';
import { LABEL_HEADLESS } from './labels.js';

/** A selector-less Service (an empty selector counts as none: it does not survive the API's
 *  round trip in Kubernetes either) gets its endpoints from someone else. */
export const hasSelector = (svc: Service): boolean => Object.keys(svc.spec?.selector ?? {}).length > 0;

/** ExternalName Services are aliases: they never have endpoints. */
export const wantsEndpoints = (svc: Service): boolean => hasSelector(svc) && svc.spec.type !== 'ExternalName';

export const isPodReady = (pod: Pod): boolean =>
  pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

export const isTerminating = (pod: Pod): boolean => !!pod.metadata.deletionTimestamp;

/** A pod is listed once it has an address and until it has finished; terminating pods only
 *  when the caller tracks them (EndpointSlices do, Endpoints only with publishNotReadyAddresses). */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (!pod.status?.podIP && !pod.status?.podIPs?.length) return false;
  if (!includeTerminating && isTerminating(pod)) return false;
  return pod.status.phase !== 'Succeeded' && pod.status.phase !== 'Failed';
}

/** The pod's addresses of one family (podIPs, or podIP from agents that only set that). */
export function podAddresses(pod: Pod, family: AddressType): string[] {
  const ips = pod.status?.podIPs?.length ? pod.status.podIPs.map((p) => p.ip) : [pod.status?.podIP ?? ''];
  return ips.filter((ip) => ip && ipFamilyOf(ip) === family);
}

/** The address families a Service's slices use: its ipFamilies, else its clusterIP's. */
export function addressTypesOf(svc: Service): AddressType[] {
  const families = (svc.spec.ipFamilies ?? []).filter((f): f is AddressType => f === 'IPv4' || f === 'IPv6');
  if (families.length) return families;
  const ip = svc.spec.clusterIP;
  if (ip && ip !== CLUSTER_IP_NONE) return [ipFamilyOf(ip) ?? 'IPv4'];
  return ['IPv4', 'IPv6'];
}

const restartableInit = (c: Container): boolean => c.restartPolicy === 'Always';

/** The container port a service port reaches on this pod: a number as is, a name looked up
 *  among the containers' (and sidecars') named ports of the same protocol; undefined if the
 *  pod has no such port. */
export function findPort(pod: Pod, sp: ServicePort): number | undefined {
  const target = sp.targetPort;
  if (typeof target === 'number' && target !== 0) return target;
  if (typeof target !== 'string' || target === '') return sp.port;
  const protocol = sp.protocol ?? 'TCP';
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter(restartableInit)];
  for (const c of containers) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  return undefined;
}

/** The slice ports of a pod: one per service port it has, `name: ""` for an unnamed one. */
export function endpointPorts(svc: Service, pod: Pod): EndpointPort[] {
  const ports: EndpointPort[] = [];
  for (const sp of svc.spec.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    ports.push({ name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
  }
  return ports;
}

/** A pod answers DNS as `hostname.subdomain` when its subdomain names this Service. */
export function hostnameFor(pod: Pod, svc: Service): string | undefined {
  const { hostname, subdomain } = (pod.spec ?? {}) as { hostname?: string; subdomain?: string };
  return hostname && subdomain === svc.metadata.name && pod.metadata.namespace === svc.metadata.namespace ? hostname : undefined;
}

/** Service labels the endpoint objects carry, plus the headless marker. */
export function inheritedLabels(svc: Service, reserved: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) if (!reserved.includes(k)) labels[k] = v;
  if (!svc.spec.clusterIP || svc.spec.clusterIP === CLUSTER_IP_NONE) labels[LABEL_HEADLESS] = '';
  return labels;
}

/** Whether a pod update can change any endpoint (status heartbeats and the like cannot). */
export function podEndpointChanged(a: Pod, b: Pod): boolean {
  const view = (p: Pod) => ({
    labels: p.metadata.labels ?? {},
    deleting: !!p.metadata.deletionTimestamp,
    ip: p.status?.podIP ?? '',
    ips: (p.status?.podIPs ?? []).map((x) => x.ip).join(','),
    phase: p.status?.phase ?? '',
    ready: isPodReady(p),
    node: p.spec?.nodeName ?? '',
    hostname: (p.spec?.hostname as string | undefined) ?? '',
    subdomain: (p.spec?.subdomain as string | undefined) ?? '',
  });
  return JSON.stringify(view(a)) !== JSON.stringify(view(b));
}
