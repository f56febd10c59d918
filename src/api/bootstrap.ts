// What a fresh cluster has, made (and kept true) by the API server itself: the system
// namespaces and the `kubernetes` Service with Endpoints and EndpointSlices listing the live API
// servers (kube-apiserver's bootstrap controller and endpoint reconciler; which servers are live
// comes from their identity Leases, apiserver-identity.ts).

import type { ApiConfig, KubeObject } from '../apis/types.js';
import { StatusError } from '../util/status-errors.js';
import type { Rest } from './rest/rest.js';
import { jsonEqual } from '../util/json-equal.js';
import { reconcileBootstrapPolicy } from './auth/bootstrap-policy.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
const MANAGER = 'kube-apiserver';

export interface ApiServerAddress {
  ip: string;
  port: number;
}

type ResourceOf = Parameters<Rest['get']>[0];

export async function bootstrap(rest: Rest, config: ApiConfig, opts: { endpoints?: boolean } = {}): Promise<void> {
  const r = (resource: string): ResourceOf => rest.registry.lookup('', 'v1', resource)!;
  for (const name of SYSTEM_NAMESPACES) {
    await ensure(rest, r('namespaces'), undefined, { metadata: { name } });
  }
  await ensure(rest, r('services'), 'default', {
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { type: 'ClusterIP', sessionAffinity: 'None', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: config.securePort }] },
  });
  await reconcileBootstrapPolicy(rest);
  if (opts.endpoints ?? true) await reconcileKubernetesEndpoints(rest, [{ ip: config.advertiseAddress, port: config.securePort }]);
}

const SLICE_LABELS = { 'kubernetes.io/service-name': 'kubernetes' };

/** The Endpoints and EndpointSlices of default/kubernetes for these servers (pure). Servers on
 *  different ports (several on one host) get a subset, and a slice, per port. */
export function kubernetesEndpoints(servers: ApiServerAddress[]): { endpoints: KubeObject; slices: KubeObject[] } {
  const byPort = new Map<number, string[]>();
  for (const s of [...servers].sort((a, b) => a.port - b.port || a.ip.localeCompare(b.ip))) {
    const ips = byPort.get(s.port) ?? [];
    if (!ips.includes(s.ip)) ips.push(s.ip);
    byPort.set(s.port, ips);
  }
  const ports = [...byPort.keys()];
  const port = (p: number) => ({ name: 'https', port: p, protocol: 'TCP' });
  return {
    endpoints: {
      metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
      subsets: ports.map((p) => ({ addresses: byPort.get(p)!.map((ip) => ({ ip })), ports: [port(p)] })),
    },
    slices: (ports.length ? ports : [undefined]).map((p, i) => ({
      metadata: { name: i === 0 ? 'kubernetes' : `kubernetes-${p}`, namespace: 'default', labels: SLICE_LABELS },
      addressType: 'IPv4',
      endpoints: p === undefined ? [] : byPort.get(p)!.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
      ports: p === undefined ? [] : [port(p)],
    })),
  };
}

/** Makes default/kubernetes list exactly these servers; slices of ports no longer served go. */
export async function reconcileKubernetesEndpoints(rest: Rest, servers: ApiServerAddress[]): Promise<void> {
  const want = kubernetesEndpoints(servers);
  await reconcile(rest, rest.registry.lookup('', 'v1', 'endpoints')!, 'default', want.endpoints);
  const slices = rest.registry.lookup('discovery.k8s.io', 'v1', 'endpointslices')!;
  for (const slice of want.slices) await reconcile(rest, slices, 'default', slice);
  const names = new Set(want.slices.map((s) => s.metadata.name));
  const have = await rest.list(slices, 'default', { labelSelector: 'kubernetes.io/service-name=kubernetes' });
  for (const old of have.items) {
    if (names.has(old.metadata.name) || !old.metadata.name?.startsWith('kubernetes-')) continue;
    try {
      await rest.delete(slices, 'default', old.metadata.name, {});
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 404)) throw e;
    }
  }
}

async function ensure(rest: Rest, r: ResourceOf, ns: string | undefined, obj: KubeObject): Promise<void> {
  try {
    await rest.create(r, ns, obj, { fieldManager: MANAGER });
  } catch (e) {
    if (!(e instanceof StatusError && e.reason === 'AlreadyExists')) throw e;
  }
}

/** Creates the object or, when its content differs (a new address or port), updates it. */
async function reconcile(rest: Rest, r: ResourceOf, ns: string, obj: KubeObject): Promise<void> {
  try {
    await rest.create(r, ns, obj, { fieldManager: MANAGER });
  } catch (e) {
    if (!(e instanceof StatusError && e.reason === 'AlreadyExists')) throw e;
    await rest.mutate(r, ns, obj.metadata.name!, (current) => {
      const { metadata: _m, apiVersion: _a, kind: _k, ...content } = obj;
      const { metadata: _cm, apiVersion: _ca, kind: _ck, ...have } = current;
      return jsonEqual(content, have) ? current : { ...current, ...content };
    }, { fieldManager: MANAGER });
  }
}
