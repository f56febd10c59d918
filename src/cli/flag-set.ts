// A command's flags from one table of declarations: each flag is declared once, with its
// default and its help line, and a command lists the flags it takes (overriding the few whose
// meaning differs for it). The same list gives node's parseArgs options and the help text,
// so the two cannot drift apart.

import { parseArgs } from 'node:util';

export interface FlagSpec {
  /** The flag's argument in help, e.g. `DIR`; with other flags described alongside it may read
   *  `D, --other-flag D`. */
  arg: string;
  /** Help text; `\n` starts a new line in the help column. None: described with another flag. */
  help?: string;
  default?: string;
}

/** Where help text starts: `  --data-dir DIR          Where ...`. */
const HELP_COLUMN = 26;

/** The help lines of flags, in the order given. */
export function renderFlagHelp(specs: [name: string, spec: FlagSpec][]): string {
  return specs
    .filter(([, spec]) => spec.help !== undefined)
    .map(([name, spec]) => {
      const left = `  --${name} ${spec.arg}`;
      const [first, ...more] = spec.help!.split('\n');
      const head = left.length < HELP_COLUMN ? `${left.padEnd(HELP_COLUMN)}${first}` : `${left}\n${' '.repeat(HELP_COLUMN)}${first}`;
      return [head, ...more.map((l) => `${' '.repeat(HELP_COLUMN)}${l}`)].join('\n') + '\n';
    })
    .join('');
}

export class FlagSet<N extends string> {
  private readonly specs: [N, FlagSpec][];

  /** The flags `names` of `table`, in help order; `overrides` change a flag for this command. */
  constructor(table: Record<N, FlagSpec>, names: readonly N[], overrides: Partial<Record<N, Partial<FlagSpec>>> = {}) {
    this.specs = names.map((n) => [n, { ...table[n], ...overrides[n] }]);
  }

  /** The help lines of these flags. */
  help(): string {
    return renderFlagHelp(this.specs);
  }

  /** The flags' values (strings; defaults filled in), or undefined when --help / -h asked for
   *  help, which has then been written to stdout. */
  parse(args: string[], help: string): Partial<Record<N, string>> | undefined {
    const options = Object.fromEntries(
      this.specs.map(([name, spec]) => [name, spec.default === undefined ? { type: 'string' as const } : { type: 'string' as const, default: spec.default }]),
    );
    const { values } = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } } });
    if (values.help) {
      process.stdout.write(help);
      return undefined;
    }
    const { help: _help, ...flags } = values;
    return flags as Partial<Record<N, string>>;
  }
}
