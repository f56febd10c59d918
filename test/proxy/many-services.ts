// States with many Services for the kernel modes' scale tests and benchmarks, and the one-Service
// changes a sync sees: as in the proxy's maps, every other service port keeps its very objects.

import { stateFromObjects } from '../../src/proxy/state/build-state.js';
import type { NodeView } from '../../src/proxy/state/build-state.js';
import type { ProxyState } from '../../src/proxy/state/types.js';
import { service, slice } from './objects.js';

/** 10.(base + i / 65536).x.y: ClusterIPs from base 96, endpoints from base 200. */
const address = (i: number, base: number): string => `10.${base + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;

/** Service `svc-i` (ClusterIP 10.96.x.y) with `endpoints` ready endpoints spread over two nodes. */
function serviceState(i: number, endpoints: number, node: NodeView): ProxyState {
  const name = `svc-${i}`;
  const eps = Array.from({ length: endpoints }, (_, k) => ({ ip: address(i * 16 + k, 200), node: k % 2 ? 'node-2' : node.nodeName }));
  return stateFromObjects([service(name, { clusterIP: address(i, 96), clusterIPs: [address(i, 96)] })], [slice(name, eps)], node);
}

/** `count` Services, service i with endpointsOf(i) endpoints. */
export function manyServices(count: number, endpointsOf: (i: number) => number, node: NodeView): ProxyState {
  const ports = new Map([...Array(count).keys()].flatMap((i) => [...serviceState(i, endpointsOf(i), node).ports]));
  return { nodeName: node.nodeName, nodePortIPs: node.nodePortIPs, synced: true, ports: new Map([...ports].sort(([a], [b]) => (a < b ? -1 : 1))) };
}

/** `state` with service i (new or replaced) having `endpoints` endpoints; the others untouched. */
export function withService(state: ProxyState, i: number, endpoints: number): ProxyState {
  const own = serviceState(i, endpoints, state);
  const ports = new Map(state.ports);
  for (const [k, sp] of own.ports) ports.set(k, sp);
  return { ...state, ports };
}

/** `state` without service i. */
export function withoutService(state: ProxyState, i: number): ProxyState {
  return { ...state, ports: new Map([...state.ports].filter(([, sp]) => sp.service.name !== `svc-${i}`)) };
}
