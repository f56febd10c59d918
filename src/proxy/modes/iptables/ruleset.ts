// Reads iptables-restore / iptables-save text into tables of chains of rules (argument lists).
// The tracer interprets what the renderer wrote; the mode reads the kernel's chain names.

export type Ruleset = Map<string, Map<string, string[][]>>;

/** Splits a rule line as iptables-restore does: on blanks, with "double-quoted" words. */
export function tokenize(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"([^"]*)"|(\S+)/g)) out.push(m[1] ?? m[2]!);
  return out;
}

export function parseRuleset(text: string): Ruleset {
  const tables: Ruleset = new Map();
  let table: Map<string, string[][]> | undefined;
  const chainOf = (name: string): string[][] => {
    if (!table) throw new Error(`chain ${name} outside a table`);
    return table.get(name) ?? table.set(name, []).get(name)!;
  };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^\[\d+:\d+\]\s*/, '').trim();
    // `-S` lists the table while restoring (render.ts: LIST_ALL_CHAINS); it changes nothing.
    if (!line || line.startsWith('#') || line === 'COMMIT' || line === '-S') continue;
    if (line.startsWith('*')) {
      const name = line.slice(1);
      table = tables.get(name) ?? tables.set(name, new Map()).get(name)!;
    } else if (line.startsWith(':')) {
      chainOf(line.slice(1).split(/\s+/)[0]!).length = 0;
    } else {
      const [op, chain, ...args] = tokenize(line);
      if (op === '-A') chainOf(chain!).push(args);
      else if (op === '-X') table?.delete(chain!);
      else throw new Error(`unsupported line: ${line}`);
    }
  }
  return tables;
}
