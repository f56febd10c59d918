// EndpointSlice → endpoints per service port (kube-proxy's endpointslicecache): slices are
// grouped by the service they belong to, their ports matched to service ports by name and
// protocol, and an address that appears in several slices is kept once (the readier copy).

import type { EndpointSlice } from '../../apis/discovery/endpointslices.js';
import { servicePortKey } from './service-ports.js';
import type { EndpointInfo } from './types.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** `namespace/name` of the service a slice belongs to, or undefined for a stray slice. */
export function sliceServiceName(slice: EndpointSlice): string | undefined {
  const svc = slice.metadata.labels?.[SERVICE_NAME_LABEL];
  return svc ? `${slice.metadata.namespace ?? 'default'}/${svc}` : undefined;
}

/** Endpoints by service port key, contributed by one slice. FQDN slices carry no IPs. */
export function sliceEndpoints(slice: EndpointSlice, nodeName: string): Map<string, EndpointInfo[]> {
  const out = new Map<string, EndpointInfo[]>();
  const svc = slice.metadata.labels?.[SERVICE_NAME_LABEL];
  if (!svc || slice.addressType === 'FQDN') return out;
  const namespace = slice.metadata.namespace ?? 'default';
  for (const p of slice.ports ?? []) {
    if (!p.port) continue;
    const key = servicePortKey(namespace, svc, p.name ?? '', p.protocol ?? 'TCP');
    const list: EndpointInfo[] = [];
    for (const e of slice.endpoints ?? []) {
      // Kubernetes: a nil ready counts as ready; nil serving falls back to ready.
      const ready = e.conditions?.ready ?? true;
      const terminating = e.conditions?.terminating ?? false;
      const serving = e.conditions?.serving ?? ready;
      for (const ip of (e.addresses ?? []).slice(0, 1)) {
        list.push({
          ip,
          port: p.port,
          ready,
          serving,
          terminating,
          nodeName: e.nodeName,
          isLocal: !!e.nodeName && e.nodeName === nodeName,
          targetName: e.targetRef?.name,
        });
      }
    }
    out.set(key, list);
  }
  return out;
}

const rank = (e: EndpointInfo): number => (e.ready ? 2 : 0) + (e.serving ? 1 : 0);

/** Merges several slices' contributions to one port: one entry per ip:port, sorted. */
export function mergeEndpoints(lists: EndpointInfo[][]): EndpointInfo[] {
  const byAddr = new Map<string, EndpointInfo>();
  for (const e of lists.flat()) {
    const k = `${e.ip}:${e.port}`;
    const have = byAddr.get(k);
    if (!have || rank(e) > rank(have)) byAddr.set(k, e);
  }
  return [...byAddr.values()].sort(compareEndpoints);
}

export function compareEndpoints(a: EndpointInfo, b: EndpointInfo): number {
  const ka = `${a.ip}:${a.port}`;
  const kb = `${b.ip}:${b.port}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
