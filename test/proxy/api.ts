// Writing Services and EndpointSlices into a test API as the controllers would, and waiting
// for the proxy (which applies changes asynchronously) to catch up.

import type { Service } from '../../src/apis/core/service/types.js';
import type { EndpointSlice } from '../../src/apis/discovery/endpointslices.js';
import { R, type Client } from '../../src/client/client.js';
import { service, slice, type EndpointBrief } from './objects.js';

/** Creates a Service in `default`, its cluster IP allocated by the API. */
export function createService(client: Client, name: string, spec: Partial<Service['spec']>, annotations?: Record<string, string>): Promise<Service> {
  const s = service(name, spec, annotations);
  delete s.spec.clusterIP;
  delete s.spec.clusterIPs;
  delete s.metadata.uid;
  return client.create<Service>(R.services, 'default', s);
}

/** Creates or replaces the Service's one EndpointSlice in `default`. */
export async function putSlice(client: Client, svc: string, eps: EndpointBrief[], ports?: Parameters<typeof slice>[2]): Promise<void> {
  const s = slice(svc, eps, ports);
  const old = await client.get<EndpointSlice>(R.endpointSlices, 'default', s.metadata.name!).catch(() => undefined);
  if (old) await client.update(R.endpointSlices, 'default', { ...s, metadata: { ...s.metadata, resourceVersion: old.metadata.resourceVersion } });
  else await client.create(R.endpointSlices, 'default', s);
}
