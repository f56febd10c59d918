// States with many Services for the kernel modes' scale tests and benchmarks, and the one-Service
// changes a sync sees: as in the proxy's maps, every other service port keeps its very objects.

import { stateFromObjects } from '../../src/proxy/state/build-state.js';
import type { NodeView } from '../../src/proxy/state/build-state.js';
import type { ProxyState } from '../../src/proxy/state/types.js';
import { service, slice } from './objects.js';
import { slice6 } from './dual-stack-state.js';

/** 10.(base + i / 65536).x.y: ClusterIPs from base 96, endpoints from base 200. */
const address = (i: number, base: number): string => `10.${base + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;

/** fd00:10:base::x:y, the IPv6 twin of address() (a group holds 16 bits). */
const address6 = (i: number, base: number): string => `fd00:10:${base}::${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}`;

/**
 * Service `svc-i` (ClusterIP 10.96.x.y) with `endpoints` ready endpoints spread over two nodes;
 * dual-stack: also ClusterIP fd00:10:96::i and as many IPv6 endpoints in an IPv6 slice.
 */
function serviceState(i: number, endpoints: number, node: NodeView, dualStack: boolean): ProxyState {
  const name = `svc-${i}`;
  const eps = (addr: (n: number, base: number) => string) => Array.from({ length: endpoints }, (_, k) => ({ ip: addr(i * 16 + k, 200), node: k % 2 ? 'node-2' : node.nodeName }));
  const clusterIPs = dualStack ? [address(i, 96), address6(i, 96)] : [address(i, 96)];
  const slices = dualStack ? [slice(name, eps(address)), slice6(name, eps(address6))] : [slice(name, eps(address))];
  return stateFromObjects([service(name, { clusterIP: clusterIPs[0], clusterIPs })], slices, node);
}

/** `count` Services, service i with endpointsOf(i) endpoints (per family when dual-stack). */
export function manyServices(count: number, endpointsOf: (i: number) => number, node: NodeView, dualStack = false): ProxyState {
  const ports = new Map([...Array(count).keys()].flatMap((i) => [...serviceState(i, endpointsOf(i), node, dualStack).ports]));
  return { nodeName: node.nodeName, nodePortIPs: node.nodePortIPs, synced: true, ports: new Map([...ports].sort(([a], [b]) => (a < b ? -1 : 1))) };
}

/** `state` with service i (new or replaced) having `endpoints` endpoints; the others untouched. */
export function withService(state: ProxyState, i: number, endpoints: number, dualStack = false): ProxyState {
  const own = serviceState(i, endpoints, state, dualStack);
  const ports = new Map(state.ports);
  for (const [k, sp] of own.ports) ports.set(k, sp);
  return { ...state, ports };
}

/** `state` without service i. */
export function withoutService(state: ProxyState, i: number): ProxyState {
  return { ...state, ports: new Map([...state.ports].filter(([, sp]) => sp.service.name !== `svc-${i}`)) };
}
