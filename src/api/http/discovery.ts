// Discovery documents: aggregated (apidiscovery.k8s.io v2/v2beta1, 2 requests) and the legacy
// APIVersions / APIGroupList / APIResourceList. Short names and categories reach kubectl only
// from here (shared/KUBECTL-API.md §3).

import type { Registry, Resource } from '../registry.js';

const SUBRESOURCE_VERBS: Record<string, string[]> = {
  status: ['get', 'patch', 'update'],
  approval: ['get', 'patch', 'update'],
  scale: ['get', 'patch', 'update'],
  binding: ['create'],
  token: ['create'],
  log: ['get'],
  exec: ['create', 'get'],
  attach: ['create', 'get'],
  portforward: ['create', 'get'],
  proxy: ['create', 'delete', 'get', 'patch', 'update'],
  finalize: ['update'],
};

function subresourceKind(r: Resource, sub: string): { group: string; version: string; kind: string } {
  switch (sub) {
    case 'scale':
      return { group: 'autoscaling', version: 'v1', kind: 'Scale' };
    case 'binding':
      return { group: '', version: 'v1', kind: 'Binding' };
    case 'token':
      return { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' };
    case 'exec':
      return { group: '', version: 'v1', kind: 'PodExecOptions' };
    case 'attach':
      return { group: '', version: 'v1', kind: 'PodAttachOptions' };
    case 'portforward':
      return { group: '', version: 'v1', kind: 'PodPortForwardOptions' };
    case 'proxy':
      return { group: '', version: 'v1', kind: `${r.type.kind}ProxyOptions` };
    default:
      return { group: r.type.group, version: r.type.version, kind: r.type.kind };
  }
}

function subresourcesOf(r: Resource): string[] {
  return r.type.resource === 'namespaces' ? [...r.type.subresources, 'finalize'] : r.type.subresources;
}

function aggregatedResource(r: Resource): Record<string, unknown> {
  return {
    resource: r.type.resource,
    responseKind: { group: r.type.group, version: r.type.version, kind: r.type.kind },
    scope: r.type.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.type.singular,
    verbs: r.type.verbs,
    ...(r.type.shortNames.length ? { shortNames: r.type.shortNames } : {}),
    ...(r.type.categories.length ? { categories: r.type.categories } : {}),
    ...(subresourcesOf(r).length
      ? {
          subresources: subresourcesOf(r).map((s) => ({
            subresource: s,
            responseKind: subresourceKind(r, s),
            verbs: SUBRESOURCE_VERBS[s] ?? ['get'],
          })),
        }
      : {}),
  };
}

/** `/api` (core) or `/apis` (named groups) as an APIGroupDiscoveryList. */
export function aggregatedDiscovery(registry: Registry, core: boolean, version: 'v2' | 'v2beta1'): Record<string, unknown> {
  const groups = new Map<string, Map<string, Resource[]>>();
  for (const r of registry.resources) {
    if ((r.type.group === '') !== core) continue;
    const versions = groups.get(r.type.group) ?? new Map<string, Resource[]>();
    versions.set(r.type.version, [...(versions.get(r.type.version) ?? []), r]);
    groups.set(r.type.group, versions);
  }
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: [...groups].map(([group, versions]) => ({
      metadata: { name: group, creationTimestamp: null },
      versions: [...versions].map(([v, resources]) => ({
        version: v,
        freshness: 'Current',
        resources: resources.map(aggregatedResource),
      })),
    })),
  };
}

export function aggregatedContentType(version: 'v2' | 'v2beta1'): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
}

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupOf(registry: Registry, group: string): Record<string, unknown> {
  const versions = registry.groupVersions().filter((gv) => gv.group === group);
  const gvs = versions.map((v) => ({ groupVersion: `${group}/${v.version}`, version: v.version }));
  return { name: group, versions: gvs, preferredVersion: gvs[0] };
}

export function apiGroupList(registry: Registry): Record<string, unknown> {
  const groups = [...new Set(registry.groupVersions().map((gv) => gv.group).filter((g) => g !== ''))];
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map((g) => groupOf(registry, g)) };
}

export function apiGroup(registry: Registry, group: string): Record<string, unknown> | undefined {
  if (!registry.groupVersions().some((gv) => gv.group === group)) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupOf(registry, group) };
}

export function apiResourceList(registry: Registry, group: string, version: string): Record<string, unknown> | undefined {
  const resources = registry.resources.filter((r) => r.type.group === group && r.type.version === version);
  if (!resources.length) return undefined;
  const out: Record<string, unknown>[] = [];
  for (const r of resources) {
    out.push({
      name: r.type.resource,
      singularName: r.type.singular,
      namespaced: r.type.namespaced,
      kind: r.type.kind,
      verbs: r.type.verbs,
      ...(r.type.shortNames.length ? { shortNames: r.type.shortNames } : {}),
      ...(r.type.categories.length ? { categories: r.type.categories } : {}),
    });
    for (const s of subresourcesOf(r)) {
      const k = subresourceKind(r, s);
      out.push({
        name: `${r.type.resource}/${s}`,
        singularName: '',
        namespaced: r.type.namespaced,
        ...(k.group !== r.type.group ? { group: k.group, version: k.version } : {}),
        kind: k.kind,
        verbs: SUBRESOURCE_VERBS[s] ?? ['get'],
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources: out };
}
