// A plain model of one nftables table (chains, maps, sets), what the renderer builds from the
// proxy state, and its text in nft's block syntax — the format the golden files, `nft -f` and
// the tracer read.

export interface BaseChain {
  type: 'nat' | 'filter';
  hook: 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';
  priority: number;
}

export interface Chain {
  name: string;
  base?: BaseChain;
  rules: string[];
}

/** A set, or a map when `data` is set: of verdicts (`key : goto …`) or of named counters
 *  (`key : "name"`, a rule counting in the counter its key picks). */
export interface NftSet {
  name: string;
  type: string;
  data?: 'verdict' | 'counter';
  flags?: string;
  timeoutSeconds?: number;
  elements: string[];
}

export interface Ruleset {
  family: 'ip' | 'ip6';
  table: string;
  /** Named counters (one per endpoint of a service port): a rule names one to count in it. */
  counters: string[];
  sets: NftSet[];
  chains: Chain[];
}

export function setDeclaration(s: NftSet, indent: string): string[] {
  const kind = s.data ? 'map' : 'set';
  const lines = [`${kind} ${s.name} {`, `\ttype ${s.type}${s.data ? ` : ${s.data}` : ''}`];
  if (s.flags) lines.push(`\tflags ${s.flags}`);
  if (s.timeoutSeconds !== undefined) lines.push(`\ttimeout ${s.timeoutSeconds}s`);
  if (s.elements.length) lines.push('\telements = {', ...s.elements.map((e) => `\t\t${e},`), '\t}');
  lines.push('}');
  return lines.map((l) => indent + l);
}

export function chainHeader(b: BaseChain): string {
  return `type ${b.type} hook ${b.hook} priority ${b.priority}; policy accept;`;
}

/** The table in block syntax, counters, sets and maps first (rules refer to them). */
export function formatTable(r: Ruleset): string {
  const lines = [`table ${r.family} ${r.table} {`];
  for (const c of r.counters) lines.push(`\tcounter ${c} {`, '\t}');
  for (const s of r.sets) lines.push(...setDeclaration(s, '\t'));
  for (const c of r.chains) {
    lines.push(`\tchain ${c.name} {`);
    if (c.base) lines.push(`\t\t${chainHeader(c.base)}`);
    lines.push(...c.rules.map((rule) => `\t\t${rule}`), '\t}');
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
