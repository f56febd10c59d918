// What one Service's card shows, computed from the objects the page watches — pure, so it is
// tested without a browser. The traffic path reads left to right: the addresses a client
// uses → the Service (scheduler, affinity) → its EndpointSlices (reached through the selector)
// → the pods, each on its node, with the endpoint's conditions and live rates.

import type { Service } from '../apis/core/service/types.js';
import type { EndpointSlice } from '../apis/discovery/endpointslices.js';
import type { Node } from '../apis/core/nodes.js';
import type { Pod } from '../apis/core/pods.js';

export const SCHEDULER_ANNOTATION = 'tinykube.io/scheduler';

export type EndpointState = 'ready' | 'serving' | 'terminating' | 'not-ready' | 'not-an-endpoint';

export interface AddressView {
  kind: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalIP' | 'ExternalName';
  /** ip:port, or the ExternalName target. */
  address: string;
  /** NodePort: the node it is on. */
  node?: string;
}

export interface PodView {
  name: string;
  node: string;
  ip: string;
  /** From the endpoint's conditions, or why the pod is no endpoint. */
  state: EndpointState;
  /** Its ReplicaSet's pod-template-hash, to tell a rollout's old pods from the new. */
  revision?: string;
  /** `ip:port` of each endpoint it backs. */
  endpoints: string[];
}

export interface SliceView {
  name: string;
  /** The endpoints' addresses in it, `ip:port`. */
  endpoints: string[];
}

export interface ServiceView {
  namespace: string;
  name: string;
  type: string;
  /** `k=v,k2=v2`, or undefined without a selector. */
  selector?: string;
  ports: string[];
  scheduler: string;
  affinity: string;
  addresses: AddressView[];
  slices: SliceView[];
  pods: PodView[];
  /** Why no endpoint serves, when none does. */
  problem?: string;
}

const selectorText = (s?: Record<string, string> | null): string | undefined =>
  s && Object.keys(s).length ? Object.entries(s).map(([k, v]) => `${k}=${v}`).join(',') : undefined;

const matches = (selector: Record<string, string>, labels: Record<string, string> = {}): boolean =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

const nodeIP = (n: Node): string | undefined => n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;

const isPodReady = (p: Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

function addresses(svc: Service, nodes: Node[]): AddressView[] {
  const spec = svc.spec ?? {};
  if (spec.type === 'ExternalName') return [{ kind: 'ExternalName', address: spec.externalName ?? '' }];
  const out: AddressView[] = [];
  for (const p of spec.ports ?? []) {
    if (spec.clusterIP && spec.clusterIP !== 'None') out.push({ kind: 'ClusterIP', address: `${spec.clusterIP}:${p.port}` });
    if (p.nodePort) {
      for (const n of nodes) out.push({ kind: 'NodePort', address: `${nodeIP(n) ?? n.metadata.name}:${p.nodePort}`, node: n.metadata.name });
    }
    for (const ing of svc.status?.loadBalancer?.ingress ?? []) if (ing.ip) out.push({ kind: 'LoadBalancer', address: `${ing.ip}:${p.port}` });
    for (const ip of spec.externalIPs ?? []) out.push({ kind: 'ExternalIP', address: `${ip}:${p.port}` });
  }
  return out;
}

function stateOf(c: { ready?: boolean; serving?: boolean; terminating?: boolean } = {}): EndpointState {
  if (c.terminating) return 'terminating';
  if (c.ready ?? true) return 'ready';
  return c.serving ? 'serving' : 'not-ready';
}

/** Why the Service has no endpoint that serves, in the words a user can act on. */
export function problemOf(svc: Service, selected: Pod[], slices: EndpointSlice[]): string | undefined {
  const spec = svc.spec ?? {};
  if (spec.type === 'ExternalName') return undefined;
  const serving = slices.some((s) => s.endpoints?.some((e) => e.conditions?.serving ?? e.conditions?.ready ?? true) && s.ports?.length);
  if (serving) return undefined;
  const selector = selectorText(spec.selector);
  if (!selector) return 'no selector, and no EndpointSlice made by hand';
  const running = selected.filter((p) => !p.metadata.deletionTimestamp);
  if (!running.length) return `no pod matches the selector ${selector}`;
  const ready = running.filter(isPodReady);
  if (!ready.length) return `${running.length} pod${running.length > 1 ? 's match' : ' matches'} the selector, none ready`;
  for (const p of spec.ports ?? []) {
    const t = p.targetPort ?? p.port;
    const declared = ready.flatMap((pod) => (pod.spec?.containers ?? []).flatMap((c) => c.ports ?? []));
    if (typeof t === 'string' && !declared.some((d) => d.name === t)) return `wrong targetPort: no container of the selected pods has a port named "${t}"`;
  }
  return 'the selected pods are ready but the EndpointSlices list none yet';
}

export function serviceView(svc: Service, o: { slices: EndpointSlice[]; pods: Pod[]; nodes: Node[] }, defaultScheduler = 'rr'): ServiceView {
  const spec = svc.spec ?? {};
  const { name, namespace } = svc.metadata;
  const slices = o.slices.filter((s) => s.metadata.namespace === namespace && s.metadata.labels?.['kubernetes.io/service-name'] === name);
  const selected = spec.selector && Object.keys(spec.selector).length ? o.pods.filter((p) => p.metadata.namespace === namespace && matches(spec.selector!, p.metadata.labels)) : [];
  const pods = new Map<string, PodView>();
  const podView = (p: Pod | undefined, fallback: { name: string; node?: string; ip: string }): PodView => ({
    name: p?.metadata.name ?? fallback.name,
    node: p?.spec?.nodeName ?? fallback.node ?? '',
    ip: p?.status?.podIP ?? fallback.ip,
    state: 'not-an-endpoint',
    revision: p?.metadata.labels?.['pod-template-hash'],
    endpoints: [],
  });
  const sliceViews: SliceView[] = slices.map((s) => {
    const ports = (s.ports ?? []).map((p) => p.port);
    const endpoints: string[] = [];
    for (const e of s.endpoints ?? []) {
      const key = e.targetRef?.name ?? e.addresses[0];
      const pod = o.pods.find((p) => p.metadata.namespace === namespace && p.metadata.name === e.targetRef?.name);
      const view = pods.get(key) ?? podView(pod, { name: key, node: e.nodeName, ip: e.addresses[0] });
      // A pod being deleted is Terminating at once, before its slice says so.
      view.state = pod?.metadata.deletionTimestamp ? 'terminating' : stateOf(e.conditions);
      for (const port of ports) {
        const ep = `${e.addresses[0]}:${port}`;
        endpoints.push(ep);
        view.endpoints.push(ep);
      }
      pods.set(key, view);
    }
    return { name: s.metadata.name!, endpoints };
  });
  for (const p of selected) {
    const key = p.metadata.name!;
    if (pods.has(key)) continue;
    const view = podView(p, { name: key, ip: '' });
    view.state = p.metadata.deletionTimestamp ? 'terminating' : 'not-an-endpoint';
    pods.set(key, view);
  }
  return {
    namespace: namespace!,
    name: name!,
    type: spec.type ?? 'ClusterIP',
    selector: selectorText(spec.selector),
    ports: (spec.ports ?? []).map((p) => `${p.name ? p.name + ' ' : ''}${p.port}${p.nodePort ? ':' + p.nodePort : ''}/${p.protocol ?? 'TCP'} → ${p.targetPort ?? p.port}`),
    scheduler: svc.metadata.annotations?.[SCHEDULER_ANNOTATION] ?? defaultScheduler,
    affinity: spec.sessionAffinity === 'ClientIP' ? `ClientIP ${spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800}s` : 'None',
    addresses: addresses(svc, o.nodes),
    slices: sliceViews,
    pods: [...pods.values()].sort((a, b) => a.node.localeCompare(b.node) || a.name.localeCompare(b.name)),
    problem: problemOf(svc, selected, slices),
  };
}
