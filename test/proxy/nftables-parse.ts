// The block syntax formatTable() writes → a Ruleset again, for the tracer. Only that layout is
// read (one statement per line, elements one per line); anything else is an error, so the
// tracer can never silently skip what it does not understand.

import type { BaseChain, Chain, NftSet, Ruleset } from '../../src/proxy/modes/nftables/ruleset.js';

const HEADER = /^type (nat|filter) hook (\w+) priority (-?\d+); policy accept;$/;

export function parseTable(text: string): Ruleset {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !/^(add|delete) table /.test(l));
  const head = /^table (ip) (\S+) \{$/.exec(lines[0] ?? '');
  if (!head) throw new Error(`nft parse: expected "table ip NAME {", got ${JSON.stringify(lines[0])}`);
  const r: Ruleset = { family: 'ip', table: head[2]!, counters: [], sets: [], chains: [] };
  let counter = false;
  let chain: Chain | undefined;
  let set: NftSet | undefined;
  let inElements = false;
  for (const line of lines.slice(1)) {
    const open = /^(set|map|chain|counter) (\S+) \{$/.exec(line);
    if (line === '}') {
      if (inElements) inElements = false;
      else if (counter) counter = false;
      else if (chain || set) chain = set = undefined;
    } else if (open) {
      if (open[1] === 'counter') counter = !!r.counters.push(open[2]!);
      else if (open[1] === 'chain') r.chains.push((chain = { name: open[2]!, rules: [] }));
      else r.sets.push((set = { name: open[2]!, type: '', ...(open[1] === 'map' ? { data: 'verdict' as const } : {}), elements: [] }));
    } else if (set && inElements) {
      set.elements.push(line.replace(/,$/, ''));
    } else if (set) {
      const [word, ...rest] = line.split(' ');
      const value = rest.join(' ');
      if (word === 'type') {
        const [type, data] = value.split(' : ');
        set.type = type!;
        if (data === 'counter') set.data = data;
      }
      else if (word === 'flags') set.flags = value;
      else if (word === 'timeout') set.timeoutSeconds = Number.parseInt(value, 10);
      else if (line === 'elements = {') inElements = true;
      else throw new Error(`nft parse: unexpected in set ${set.name}: ${line}`);
    } else if (chain) {
      const h = HEADER.exec(line);
      if (h) chain.base = { type: h[1], hook: h[2], priority: Number(h[3]) } as BaseChain;
      else chain.rules.push(line);
    } else {
      throw new Error(`nft parse: unexpected line: ${line}`);
    }
  }
  return r;
}
