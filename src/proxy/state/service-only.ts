// One Service's share of the state, for showing what a mode renders for it alone.

import type { ProxyState } from './types.js';

/** The state with only the ports of namespace/name; undefined when the Service has none. */
export function serviceOnly(state: ProxyState, namespace: string, name: string): ProxyState | undefined {
  const ports = [...state.ports].filter(([, p]) => p.service.namespace === namespace && p.service.name === name);
  return ports.length ? { ...state, ports: new Map(ports) } : undefined;
}
