// The Service registry strategy (pkg/registry/core/service/strategy.go): what the server keeps,
// fills in or drops before validation, so that clients can resubmit what they created (without
// the allocated clusterIP and nodePorts) and switch types without clearing fields by hand.

import {
  externallyAccessible,
  needsClusterIP,
  needsHealthCheckNodePort,
  needsNodePorts,
  type Service,
  type ServiceSpec,
} from './types.js';

export function prepareServiceForCreate(svc: Service): void {
  svc.status = { loadBalancer: {} };
  normalizeClusterIPs(svc.spec, undefined);
}

export function prepareServiceForUpdate(svc: Service, old: Service): void {
  svc.status = structuredClone(old.status ?? { loadBalancer: {} });
  patchAllocatedValues(svc.spec, old.spec);
  normalizeClusterIPs(svc.spec, old.spec);
  dropTypeDependentFields(svc, old.spec);
}

const sameList = (a: string[] | undefined, b: string[] | undefined): boolean =>
  (a ?? []).length === (b ?? []).length && (a ?? []).every((v, i) => v === b?.[i]);

const sameClusterIPs = (a: ServiceSpec, b: ServiceSpec): boolean =>
  (a.clusterIP ?? '') === (b.clusterIP ?? '') && sameList(a.clusterIPs, b.clusterIPs);

const nodePortsOf = (s: ServiceSpec): Set<number> =>
  new Set((s.ports ?? []).map((p) => p.nodePort ?? 0).filter((n) => n !== 0));

/** Keep what the server allocated when the client left it out (a re-applied original manifest). */
function patchAllocatedValues(spec: ServiceSpec, old: ServiceSpec): void {
  if (needsClusterIP(old) && needsClusterIP(spec)) {
    spec.clusterIP ||= old.clusterIP;
    if (!spec.clusterIPs?.length && old.clusterIPs?.length) spec.clusterIPs = [...old.clusterIPs];
  }
  if (needsNodePorts(old) && needsNodePorts(spec)) {
    // By port name; a node port the new spec already uses elsewhere is not handed out twice.
    const inNew = nodePortsOf(spec);
    const byName = new Map((old.ports ?? []).map((p) => [p.name ?? '', p.nodePort ?? 0]));
    for (const p of spec.ports ?? []) {
      const previous = byName.get(p.name ?? '') ?? 0;
      if (!p.nodePort && previous && !inNew.has(previous)) p.nodePort = previous;
    }
  }
  if (needsHealthCheckNodePort(old) && needsHealthCheckNodePort(spec))
    spec.healthCheckNodePort ||= old.healthCheckNodePort;
}

/** Keep clusterIP (singular, old clients) and clusterIPs (plural) in step. */
function normalizeClusterIPs(spec: ServiceSpec, old: ServiceSpec | undefined): void {
  if (!old) {
    if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
    return;
  }
  if (old.clusterIPs?.length && !spec.clusterIPs?.length && (old.clusterIP ?? '') === (spec.clusterIP ?? ''))
    spec.clusterIPs = [...old.clusterIPs];
  if ((old.clusterIP ?? '') !== (spec.clusterIP ?? '') && sameList(old.clusterIPs, spec.clusterIPs)) {
    if (old.clusterIP && !spec.clusterIP) delete spec.clusterIPs;
    else spec.clusterIPs = [spec.clusterIP ?? ''];
  }
}

/** A type change clears the fields the new type has no use for, unless the client changed them
 *  too (then validation reports the contradiction). */
function dropTypeDependentFields(svc: Service, old: ServiceSpec): void {
  const spec = svc.spec;
  if (needsClusterIP(old) && !needsClusterIP(spec)) {
    if (sameClusterIPs(old, spec)) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (sameList(old.ipFamilies, spec.ipFamilies)) delete spec.ipFamilies;
    if ((old.ipFamilyPolicy ?? '') === (spec.ipFamilyPolicy ?? '')) delete spec.ipFamilyPolicy;
  }
  if (needsNodePorts(old) && !needsNodePorts(spec)) {
    const oldPorts = nodePortsOf(old);
    if ([...nodePortsOf(spec)].every((n) => oldPorts.has(n))) for (const p of spec.ports ?? []) delete p.nodePort;
  }
  if (
    needsHealthCheckNodePort(old) &&
    !needsHealthCheckNodePort(spec) &&
    (old.healthCheckNodePort ?? 0) === (spec.healthCheckNodePort ?? 0)
  )
    delete spec.healthCheckNodePort;
  if (old.type === 'LoadBalancer' && spec.type !== 'LoadBalancer') {
    if (old.allocateLoadBalancerNodePorts !== undefined && old.allocateLoadBalancerNodePorts === spec.allocateLoadBalancerNodePorts)
      delete spec.allocateLoadBalancerNodePorts;
    if ((old.loadBalancerClass ?? null) === (spec.loadBalancerClass ?? null)) delete spec.loadBalancerClass;
  }
  if (externallyAccessible(old) && !externallyAccessible(spec) && old.externalTrafficPolicy === spec.externalTrafficPolicy)
    delete spec.externalTrafficPolicy;
  // Load balancer status means nothing for other types (deprovisioning is not the user's concern).
  if (spec.type !== 'LoadBalancer') svc.status = { ...svc.status, loadBalancer: {} };
}
