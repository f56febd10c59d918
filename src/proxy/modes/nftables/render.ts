// The text given to one `nft -f -`, a single atomic transaction. A full sync deletes the table
// and creates it again; a change sync (kube-proxy's partial sync, planned by table-sync.ts)
// touches only the chains, sets and elements of the service ports that changed, keeping
// ClientIP affinity sets' contents.

import type { ProxyState } from '../../state/types.js';
import { buildRuleset, nftFamily, type BuildOptions } from './build.js';
import { DEFAULT_TABLE, ENDPOINT_BYTES_MAP, NO_ENDPOINT_NODEPORTS_MAP, NO_ENDPOINT_SERVICES_MAP, SERVICE_IPS_MAP, SERVICE_NODEPORTS_MAP } from './names.js';
import { chainHeader, formatTable, setDeclaration, type Chain, type NftSet, type Ruleset } from './ruleset.js';

export type RenderOptions = BuildOptions;

/** The maps: their elements are deleted by key. */
const MAPS = new Set([SERVICE_IPS_MAP, SERVICE_NODEPORTS_MAP, NO_ENDPOINT_SERVICES_MAP, NO_ENDPOINT_NODEPORTS_MAP, ENDPOINT_BYTES_MAP]);

export function renderNftables(state: ProxyState, opts: RenderOptions): string {
  return renderFull(buildRuleset(state, opts));
}

export function renderFull(r: Ruleset): string {
  const t = `${r.family} ${r.table}`;
  // `add` first so that `delete` cannot fail on a node that never had the table.
  return `add table ${t}\ndelete table ${t}\n${formatTable(r)}`;
}

/** What a change sync adds, rewrites and removes; elements by set or map name. */
export interface TableDelta {
  addedCounters: string[];
  removedCounters: string[];
  addedSets: NftSet[];
  removedSets: NftSet[];
  addedChains: Chain[];
  /** Same name, other rules: flushed and filled again. */
  changedChains: Chain[];
  removedChains: Chain[];
  deleted: Map<string, string[]>;
  added: Map<string, string[]>;
}

/** `type …; flags …; timeout …;` for a one-line `add set`. */
const declarationBody = (s: NftSet): string =>
  setDeclaration({ ...s, elements: [] }, '')
    .slice(1, -1)
    .map((l) => `${l.trim()};`)
    .join(' ');

/** `ip tinykube` / `ip6 tinykube`: the table as commands name it. */
export const tableName = (opts: BuildOptions): string => `${nftFamily(opts.family).ip} ${opts.table ?? DEFAULT_TABLE}`;

export function formatChange(opts: BuildOptions, d: TableDelta): string {
  const t = tableName(opts);
  const out: string[] = [];
  const kind = (s: NftSet): string => (s.data ? 'map' : 'set');
  // Order matters inside the transaction: nothing may refer to what does not exist yet, and
  // nothing may be deleted while still referred to.
  for (const c of d.addedCounters) out.push(`add counter ${t} ${c}`);
  for (const s of d.addedSets) out.push(`add ${kind(s)} ${t} ${s.name} { ${declarationBody(s)} }`);
  for (const c of d.addedChains) out.push(`add chain ${t} ${c.name}${c.base ? ` { ${chainHeader(c.base)} }` : ''}`);
  for (const c of d.changedChains) out.push(`flush chain ${t} ${c.name}`);
  for (const c of [...d.addedChains, ...d.changedChains]) out.push(...c.rules.map((r) => `add rule ${t} ${c.name} ${r}`));
  for (const name of new Set([...d.deleted.keys(), ...d.added.keys()])) {
    const gone = d.deleted.get(name) ?? [];
    const keys = MAPS.has(name) ? gone.map((e) => e.split(' : ')[0]!) : gone;
    if (keys.length) out.push(`delete element ${t} ${name} { ${keys.join(', ')} }`);
    const added = d.added.get(name) ?? [];
    if (added.length) out.push(`add element ${t} ${name} { ${added.join(', ')} }`);
  }
  for (const c of d.removedChains) out.push(`flush chain ${t} ${c.name}`);
  for (const c of d.removedChains) out.push(`delete chain ${t} ${c.name}`);
  for (const s of d.removedSets) out.push(`delete ${kind(s)} ${t} ${s.name}`);
  for (const c of d.removedCounters) out.push(`delete counter ${t} ${c}`);
  return out.map((l) => `${l}\n`).join('');
}
