// What the kernel's table holds, service port by service port, so that a change sync costs what
// changed (kube-proxy's partial sync): the ports PortRenderings finds changed are rebuilt and
// compared with their own previous parts; shared map and set elements are counted, so an
// element leaves the kernel only when no service port holds it any more. Nothing here looks
// inside the other 10,000.

import type { ProxyState } from '../../state/types.js';
import { PortRenderings, type PortChange } from '../port-changes.js';
import { assembleRuleset, bytesCounterOf, hairpinElement, servicePortParts, type BuildOptions, type PortParts } from './build.js';
import { ENDPOINT_BYTES_MAP, HAIRPIN_SET } from './names.js';
import { formatChange, renderFull, type TableDelta } from './render.js';
import type { Chain, NftSet } from './ruleset.js';

const sameRules = (a: Chain, b: Chain): boolean => a.rules.length === b.rules.length && a.rules.every((r, i) => r === b.rules[i]);
const sameDeclaration = (a: NftSet, b: NftSet): boolean => a.type === b.type && a.flags === b.flags && a.timeoutSeconds === b.timeoutSeconds;

/** Every element a port puts into a shared set or map, as [set, element]. */
function elementsOf(p: PortParts): [string, string][] {
  return [...p.elements.map((e): [string, string] => [e.map, e.element]), ...p.hairpin.map((ip): [string, string] => [HAIRPIN_SET, hairpinElement(ip)])];
}

export class TableSync {
  private readonly ports: PortRenderings<PortParts>;
  /** How many service ports hold each element, by set or map name. */
  private holders = new Map<string, Map<string, number>>();

  constructor(private readonly opts: BuildOptions) {
    this.ports = new PortRenderings((sp, nodePortIPs) => servicePortParts(sp, nodePortIPs, opts));
  }

  /** The transaction re-creating the table for `state`; parts of unchanged ports are reused. */
  full(state: ProxyState): string {
    const parts = this.ports.all(state);
    this.holders = new Map();
    for (const p of parts) for (const [set, el] of elementsOf(p)) this.hold(set, el, 1);
    return renderFull(assembleRuleset(parts, state.nodePortIPs, this.opts));
  }

  /**
   * The commands taking the table from the last state given to full() or change() to `state`;
   * '' when nothing differs. Falls back to the full text when the node's addresses or an
   * affinity set's declaration (its timeout) changed.
   */
  change(state: ProxyState): string {
    const changes = this.ports.changes(state);
    const delta = changes && this.delta(changes);
    return delta ? formatChange(this.opts, delta) : this.full(state);
  }

  /** The kernel commands of the changed ports; undefined when a set must be re-created. */
  private delta(changes: PortChange<PortParts>[]): TableDelta | undefined {
    const d: TableDelta = { addedCounters: [], removedCounters: [], addedSets: [], removedSets: [], addedChains: [], changedChains: [], removedChains: [], deleted: new Map(), added: new Map() };
    const counts = new Map<string, Map<string, number>>();
    for (const { before, after } of changes) {
      const oldSets = new Map(before?.sets.map((s) => [s.name, s]));
      const newSets = new Set(after?.sets.map((s) => s.name));
      for (const s of after?.sets ?? []) {
        const old = oldSets.get(s.name);
        if (!old) d.addedSets.push(s);
        else if (!sameDeclaration(old, s)) return undefined;
      }
      d.removedSets.push(...(before?.sets ?? []).filter((s) => !newSets.has(s.name)));
      // A kept endpoint keeps its counter (and what it counted) through its chains' rewrite.
      const oldCounters = new Set(before?.counters);
      const newCounters = new Set(after?.counters);
      d.addedCounters.push(...[...newCounters].filter((c) => !oldCounters.has(c)));
      d.removedCounters.push(...[...oldCounters].filter((c) => !newCounters.has(c)));
      const oldChains = new Map(before?.chains.map((c) => [c.name, c]));
      const newChains = new Set(after?.chains.map((c) => c.name));
      for (const c of after?.chains ?? []) {
        const old = oldChains.get(c.name);
        if (!old) d.addedChains.push(c);
        else if (!sameRules(old, c)) d.changedChains.push(c);
      }
      d.removedChains.push(...(before?.chains ?? []).filter((c) => !newChains.has(c.name)));
      const count = (p: PortParts | undefined, by: number): void => {
        for (const [set, el] of p ? elementsOf(p) : []) {
          const m = counts.get(set) ?? counts.set(set, new Map()).get(set)!;
          m.set(el, (m.get(el) ?? 0) + by);
        }
      };
      count(before, -1);
      count(after, 1);
    }
    for (const [set, m] of counts) {
      for (const [el, by] of m) {
        if (by === 0) continue;
        const was = this.holders.get(set)?.get(el) ?? 0;
        this.hold(set, el, by);
        const list = was === 0 ? d.added : was + by === 0 ? d.deleted : undefined;
        (list?.get(set) ?? list?.set(set, []).get(set))?.push(el);
      }
    }
    // An endpoint's byte counter lives as long as its element: while any port sends there.
    d.addedCounters.push(...(d.added.get(ENDPOINT_BYTES_MAP) ?? []).map(bytesCounterOf));
    d.removedCounters.push(...(d.deleted.get(ENDPOINT_BYTES_MAP) ?? []).map(bytesCounterOf));
    return d;
  }

  private hold(set: string, el: string, by: number): void {
    const m = this.holders.get(set) ?? this.holders.set(set, new Map()).get(set)!;
    const now = (m.get(el) ?? 0) + by;
    if (now) m.set(el, now);
    else m.delete(el);
  }
}

/** The commands taking a table rendered from `prev` to the one rendered from `next`. */
export function renderNftablesChange(prev: ProxyState, next: ProxyState, opts: BuildOptions): string {
  const t = new TableSync(opts);
  t.full(prev);
  return t.change(next);
}
