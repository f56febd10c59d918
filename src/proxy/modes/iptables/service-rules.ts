// The lines one Service adds to the iptables rules — its KUBE-SERVICES / KUBE-EXTERNAL-SERVICES /
// KUBE-NODEPORTS rules and its KUBE-SVC/SVL/EXT/SEP chains — for `tinykube explain
// --proxy-mode iptables`: what rules rendered from this Service alone hold beyond rules
// rendered from no Service, table by table, in iptables-save form.

import { serviceOnly } from '../../state/service-only.js';
import type { ProxyState } from '../../state/types.js';
import { renderIptables, type RenderOptions } from './render.js';

/** Lines of each `*table` section. */
function sections(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let lines: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) out.set(line, (lines = []));
    else if (line && line !== 'COMMIT') lines.push(line);
  }
  return out;
}

/** The Service's lines; undefined when it has no service port. */
export function iptablesServiceRules(state: ProxyState, namespace: string, name: string, opts: RenderOptions): string | undefined {
  const own = serviceOnly(state, namespace, name);
  if (!own) return undefined;
  const base = sections(renderIptables({ ...state, ports: new Map() }, opts));
  const out: string[] = [];
  for (const [table, lines] of sections(renderIptables(own, opts))) {
    const shared = new Set(base.get(table));
    const added = lines.filter((l) => !shared.has(l));
    if (added.length) out.push(table, ...added, 'COMMIT');
  }
  return out.map((l) => `${l}\n`).join('');
}
