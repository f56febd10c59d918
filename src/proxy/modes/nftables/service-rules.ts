// The part of the tinykube table that one Service adds — its chains, its affinity sets and its
// elements in the shared maps and sets — for `tinykube explain --proxy-mode nftables`. A
// service port's parts do not depend on other services, so they are what a table built from
// this Service alone holds beyond a table built from no Service.

import { serviceOnly } from '../../state/service-only.js';
import type { ProxyState } from '../../state/types.js';
import { buildRuleset, type BuildOptions } from './build.js';
import { formatTable, type NftSet } from './ruleset.js';

/** The Service's part of the table in nft block syntax; undefined when it has no service port. */
export function nftablesServiceRules(state: ProxyState, namespace: string, name: string, opts: BuildOptions): string | undefined {
  const own = serviceOnly(state, namespace, name);
  if (!own) return undefined;
  const base = buildRuleset({ ...state, ports: new Map() }, opts);
  const mine = buildRuleset(own, opts);
  const baseChains = new Set(base.chains.map((c) => c.name));
  const baseSets = new Map(base.sets.map((s) => [s.name, new Set(s.elements)]));
  const sets: NftSet[] = [];
  for (const s of mine.sets) {
    const shared = baseSets.get(s.name);
    if (!shared) sets.push(s);
    else if (s.elements.some((e) => !shared.has(e))) sets.push({ ...s, elements: s.elements.filter((e) => !shared.has(e)) });
  }
  return formatTable({ ...mine, sets, chains: mine.chains.filter((c) => !baseChains.has(c.name)) });
}
