// Which node announces each LoadBalancer address on the underlay (L2, like MetalLB's layer2
// mode): exactly one among the Ready nodes. Rendezvous hashing — the node with the smallest
// sha256(ip + node) — needs no coordination (every proxy computes the same answer from the same
// Nodes) and moves only the addresses of a node that leaves, or that a joining node wins.

import { createHash } from 'node:crypto';
import type { Node } from '../../apis/core/nodes.js';
import type { ProxyState } from '../state/types.js';
import { familyOf, type IPFamily } from '../state/family.js';

/** Names of the Nodes whose Ready condition is True (Unknown, a lease expired, is not ready). */
export function readyNodeNames(nodes: Node[]): string[] {
  return nodes
    .filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
    .map((n) => n.metadata.name!)
    .sort();
}

const score = (ip: string, node: string): string => createHash('sha256').update(`${ip}/${node}`).digest('hex');

/**
 * The announcing node of each address; none without a Ready node. `preferred` narrows an
 * address's candidates (externalTrafficPolicy Local: the nodes with an endpoint, which are the
 * only ones that do not drop its traffic) when one of them is Ready.
 */
export function announcers(lbIPs: Iterable<string>, readyNodes: string[], preferred?: Map<string, string[]>): Map<string, string> {
  const out = new Map<string, string>();
  for (const ip of [...new Set(lbIPs)].sort()) {
    const narrowed = readyNodes.filter((n) => preferred?.get(ip)?.includes(n));
    const candidates = narrowed.length ? narrowed : readyNodes;
    if (!candidates.length) continue;
    let best = candidates[0]!;
    let bestScore = score(ip, best);
    for (const node of candidates.slice(1)) {
      const s = score(ip, node);
      if (s < bestScore || (s === bestScore && node < best)) [best, bestScore] = [node, s];
    }
    out.set(ip, best);
  }
  return out;
}

/** LoadBalancer addresses of the state, and for those of Local-policy ports the nodes with a serving endpoint. */
export function loadBalancerTargets(state: ProxyState, families?: IPFamily[]): { lbIPs: string[]; preferred: Map<string, string[]> } {
  const lbIPs = new Set<string>();
  const preferred = new Map<string, string[]>();
  for (const sp of state.ports.values()) {
    // Only the families this node's datapath serves (a kernel mode's IPv6 may be unavailable).
    for (const ip of sp.service.loadBalancerIPs.filter((a) => !families || families.some((f) => f.has(a)))) {
      lbIPs.add(ip);
      if (!sp.service.externalPolicyLocal) continue;
      // An IPv6 address is served by the Service's IPv6 endpoints.
      const family = familyOf(ip);
      const nodes = sp.endpoints.filter((e) => e.serving && e.nodeName && family.has(e.ip)).map((e) => e.nodeName!);
      preferred.set(ip, [...new Set([...(preferred.get(ip) ?? []), ...nodes])].sort());
    }
  }
  return { lbIPs: [...lbIPs].sort(), preferred };
}
