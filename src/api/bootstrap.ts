// What a fresh cluster has, made (and kept true) by the API server itself: the system
// namespaces and the `kubernetes` Service with Endpoints and an EndpointSlice pointing at this
// server (kube-apiserver's bootstrap controller and endpoint reconciler).

import type { ApiConfig, KubeObject } from '../apis/types.js';
import { StatusError } from './errors.js';
import type { Rest } from './rest/rest.js';
import { jsonEqual } from './rest/codec.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
const MANAGER = 'kube-apiserver';

export async function bootstrap(rest: Rest, config: ApiConfig): Promise<void> {
  const r = (resource: string, group = '', version = 'v1') => rest.registry.lookup(group, version, resource)!;
  for (const name of SYSTEM_NAMESPACES) {
    await ensure(rest, r('namespaces'), undefined, { metadata: { name } });
  }
  await ensure(rest, r('services'), 'default', {
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { type: 'ClusterIP', sessionAffinity: 'None', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: config.securePort }] },
  });
  await reconcile(rest, r('endpoints'), 'default', {
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: config.advertiseAddress }], ports: [{ name: 'https', port: config.securePort, protocol: 'TCP' }] }],
  });
  await reconcile(rest, r('endpointslices', 'discovery.k8s.io'), 'default', {
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [config.advertiseAddress], conditions: { ready: true } }],
    ports: [{ name: 'https', port: config.securePort, protocol: 'TCP' }],
  });
}

async function ensure(rest: Rest, r: Parameters<Rest['get']>[0], ns: string | undefined, obj: KubeObject): Promise<void> {
  try {
    await rest.create(r, ns, obj, { fieldManager: MANAGER });
  } catch (e) {
    if (!(e instanceof StatusError && e.reason === 'AlreadyExists')) throw e;
  }
}

/** Creates the object or, when its content differs (a new address or port), updates it. */
async function reconcile(rest: Rest, r: Parameters<Rest['get']>[0], ns: string, obj: KubeObject): Promise<void> {
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
