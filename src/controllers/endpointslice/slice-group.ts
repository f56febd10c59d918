// A group of endpoints that share an address type and a port list: the unit EndpointSlices
// are cut from. Keys identify groups and endpoints across the desired and the stored state.

import type { AddressType, Endpoint, EndpointPort } from '../../apis/discovery/endpointslices.js';

export interface SliceGroup {
  addressType: AddressType;
  ports: EndpointPort[];
  endpoints: Endpoint[];
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The same ports in any order give the same key. */
export function portsKey(addressType: string, ports: EndpointPort[] | null | undefined): string {
  const parts = (ports ?? []).map((p) => `${p.name ?? ''}/${p.protocol ?? 'TCP'}/${p.port ?? ''}/${p.appProtocol ?? ''}`);
  return `${addressType}|${parts.sort(byText).join(',')}`;
}

/** An endpoint is the same endpoint while its addresses and target stay (its conditions,
 *  node and hostname may change in place). */
export const endpointKey = (e: Endpoint): string => `${[...e.addresses].sort(byText).join(',')}|${e.targetRef?.uid ?? ''}`;

/** Adds an endpoint to the group of its ports, creating the group on first use. */
export function addToGroup(groups: Map<string, SliceGroup>, addressType: AddressType, ports: EndpointPort[], endpoint: Endpoint): void {
  const key = portsKey(addressType, ports);
  let group = groups.get(key);
  if (!group) groups.set(key, (group = { addressType, ports, endpoints: [] }));
  group.endpoints.push(endpoint);
}
