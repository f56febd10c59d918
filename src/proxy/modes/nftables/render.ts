// ProxyState → the text given to one `nft -f -`, a single atomic transaction. A full sync
// deletes the table and creates it again; a change sync (kube-proxy's partial sync) touches
// only the chains, sets and map elements that differ, keeping ClientIP affinity sets' contents.

import type { ProxyState } from '../../state/types.js';
import { buildRuleset, type BuildOptions } from './build.js';
import { chainHeader, formatTable, setDeclaration, type Chain, type NftSet, type Ruleset } from './ruleset.js';

export type RenderOptions = BuildOptions;

export function renderNftables(state: ProxyState, opts: RenderOptions): string {
  return renderFull(buildRuleset(state, opts));
}

export function renderFull(r: Ruleset): string {
  const t = `${r.family} ${r.table}`;
  // `add` first so that `delete` cannot fail on a node that never had the table.
  return `add table ${t}\ndelete table ${t}\n${formatTable(r)}`;
}

const byName = <T extends { name: string }>(xs: T[]): Map<string, T> => new Map(xs.map((x) => [x.name, x]));
const elementKey = (e: string): string => e.split(' : ')[0]!;
const sameSet = (a: NftSet, b: NftSet): boolean => setDeclaration({ ...a, elements: [] }, '').join() === setDeclaration({ ...b, elements: [] }, '').join();
/** `type …; flags …; timeout …;` for a one-line `add set`. */
const declarationBody = (s: NftSet): string =>
  setDeclaration({ ...s, elements: [] }, '')
    .slice(1, -1)
    .map((l) => `${l.trim()};`)
    .join(' ');
// Chains of an unchanged service port are the very same objects (BuildCache): checked first.
const sameChain = (a: Chain, b: Chain): boolean => a === b || JSON.stringify(a) === JSON.stringify(b);

/**
 * The commands taking a table rendered from `prev` to the one rendered from `next`; the full
 * text when a set's declaration changed (an affinity timeout: the set is re-created).
 */
export function renderNftablesChange(prev: ProxyState, next: ProxyState, opts: RenderOptions): string {
  return renderChange(buildRuleset(prev, opts), buildRuleset(next, opts));
}

/** As renderNftablesChange, from built rulesets (the mode keeps the last one it applied). */
export function renderChange(p: Ruleset, q: Ruleset): string {
  const pSets = byName(p.sets);
  if (q.sets.some((s) => pSets.has(s.name) && !sameSet(pSets.get(s.name)!, s))) return renderFull(q);
  const t = `${q.family} ${q.table}`;
  const qSets = byName(q.sets);
  const pChains = byName(p.chains);
  const qChains = byName(q.chains);
  const out: string[] = [];
  const kind = (s: NftSet): string => (s.verdicts ? 'map' : 'set');
  const elements = (verb: string, s: NftSet, es: string[]): void => {
    if (es.length) out.push(`${verb} element ${t} ${s.name} { ${es.join(', ')} }`);
  };

  const addedSets = q.sets.filter((s) => !pSets.has(s.name));
  const removedSets = p.sets.filter((s) => !qSets.has(s.name));
  const addedChains = q.chains.filter((c) => !pChains.has(c.name));
  const changedChains = q.chains.filter((c) => pChains.has(c.name) && !sameChain(pChains.get(c.name)!, c));
  const removedChains = p.chains.filter((c) => !qChains.has(c.name));

  // Order matters inside the transaction: nothing may refer to what does not exist yet, and
  // nothing may be deleted while still referred to.
  for (const s of addedSets) out.push(`add ${kind(s)} ${t} ${s.name} { ${declarationBody(s)} }`);
  for (const c of addedChains) out.push(`add chain ${t} ${c.name}${c.base ? ` { ${chainHeader(c.base)} }` : ''}`);
  for (const c of changedChains) out.push(`flush chain ${t} ${c.name}`);
  for (const c of [...addedChains, ...changedChains]) out.push(...c.rules.map((r) => `add rule ${t} ${c.name} ${r}`));
  for (const s of q.sets) {
    const old = pSets.get(s.name)?.elements ?? [];
    // Most maps and sets are unchanged, element for element, in the same order.
    if (old.length === s.elements.length && old.every((e, i) => e === s.elements[i])) continue;
    const keep = new Set(s.elements);
    const has = new Set(old);
    const gone = old.filter((e) => !keep.has(e));
    elements('delete', s, s.verdicts ? gone.map(elementKey) : gone);
    elements('add', s, s.elements.filter((e) => !has.has(e)));
  }
  for (const c of removedChains) out.push(`flush chain ${t} ${c.name}`);
  for (const c of removedChains) out.push(`delete chain ${t} ${c.name}`);
  for (const s of removedSets) out.push(`delete ${kind(s)} ${t} ${s.name}`);
  return out.map((l) => `${l}\n`).join('');
}
