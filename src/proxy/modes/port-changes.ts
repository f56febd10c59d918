// Which service ports changed since the last sync, for the kernel modes' partial syncs: the
// proxy's maps keep the very objects of unchanged services and endpoints, so comparing
// identities finds the changed ports without looking inside the others. Each port keeps what a
// mode rendered for it (its chains, its elements), rendered again only when it changed.
// Shared by the modes; it is not a mode itself.

import type { EndpointInfo, ProxyState, ServicePortInfo, ServicePortState } from '../state/types.js';

/** One port's rendering before and after a sync (absent: the port is new, or gone). */
export interface PortChange<T> {
  before?: T;
  after?: T;
}

interface Entry<T> {
  service: ServicePortInfo;
  endpoints: EndpointInfo[];
  value: T;
}

/** A port's rendering depends on the port and the node's NodePort addresses only. */
export type RenderPort<T> = (sp: ServicePortState, nodePortIPs: string[]) => T;

export class PortRenderings<T> {
  private ports = new Map<string, Entry<T>>();
  private nodePortIPs = '';

  constructor(private readonly render: RenderPort<T>) {}

  /** Every port of `state` in its order, reusing what unchanged ports rendered; forgets the others. */
  all(state: ProxyState): T[] {
    const old = this.nodePortIPs === state.nodePortIPs.join() ? this.ports : new Map<string, Entry<T>>();
    this.ports = new Map();
    this.nodePortIPs = state.nodePortIPs.join();
    for (const [key, sp] of state.ports) {
      const e = old.get(key);
      this.ports.set(key, e && this.same(e, sp) ? e : this.entry(sp, state.nodePortIPs));
    }
    return [...this.ports.values()].map((e) => e.value);
  }

  /**
   * The ports added, changed or removed since the last call, now remembered as they are;
   * undefined (nothing remembered) when the node's addresses changed: every port may differ.
   */
  changes(state: ProxyState): PortChange<T>[] | undefined {
    if (state.nodePortIPs.join() !== this.nodePortIPs) return undefined;
    const out: PortChange<T>[] = [];
    for (const [key, sp] of state.ports) {
      const e = this.ports.get(key);
      if (e && this.same(e, sp)) continue;
      const next = this.entry(sp, state.nodePortIPs);
      out.push({ before: e?.value, after: next.value });
      this.ports.set(key, next);
    }
    for (const [key, e] of this.ports) {
      if (state.ports.has(key)) continue;
      out.push({ before: e.value });
      this.ports.delete(key);
    }
    return out;
  }

  private same(e: Entry<T>, sp: ServicePortState): boolean {
    return e.service === sp.service && e.endpoints === sp.endpoints;
  }

  private entry(sp: ServicePortState, nodePortIPs: string[]): Entry<T> {
    return { service: sp.service, endpoints: sp.endpoints, value: this.render(sp, nodePortIPs) };
  }
}
