// The agnhost subcommands run here, read from the container's command and args the way agnhost's
// cobra/pflag parsing reads them: `--flag=value`, `--flag value`, boolean `--flag`.

import type { BuiltinKind, Listener } from './spec.js';

export interface AgnhostPlan {
  kind: BuiltinKind;
  listeners: Listener[];
}

const BOOLEAN_FLAGS = new Set(['tcp', 'udp', 'http', 'close']);

/** Flags by name (without dashes); the first non-flag word is the subcommand. */
export function parseAgnhostArgs(words: string[]): { subcommand?: string; flags: Map<string, string> } {
  const flags = new Map<string, string>();
  let subcommand: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const m = /^--?([^=]+)(?:=(.*))?$/.exec(w);
    if (!m) {
      subcommand ??= w;
      continue;
    }
    const [, name, value] = m;
    if (value !== undefined) flags.set(name, value);
    else if (BOOLEAN_FLAGS.has(name) || i + 1 >= words.length) flags.set(name, 'true');
    else flags.set(name, words[++i]);
  }
  return { subcommand, flags };
}

function intFlag(flags: Map<string, string>, name: string, def: number): number {
  const v = flags.get(name);
  const n = v === undefined ? def : Number(v);
  return Number.isInteger(n) ? n : def;
}

const boolFlag = (flags: Map<string, string>, name: string, def: boolean): boolean =>
  flags.has(name) ? flags.get(name) !== 'false' : def;

/**
 * What `agnhost <words>` runs; words are command + args with a leading `/agnhost` or `agnhost`
 * dropped. The image's default command is `pause`. Undefined: a subcommand not built in.
 */
export function agnhostPlan(words: string[]): AgnhostPlan | undefined {
  const { subcommand = 'pause', flags } = parseAgnhostArgs(words);
  switch (subcommand) {
    case 'pause':
      return { kind: 'pause', listeners: [] };
    case 'netexec': {
      const listeners: Listener[] = [{ port: intFlag(flags, 'http-port', 8080), proto: 'http', required: true }];
      const udp = intFlag(flags, 'udp-port', 8081);
      if (udp !== -1) listeners.push({ port: udp, proto: 'udp', required: true });
      return { kind: 'netexec', listeners };
    }
    case 'serve-hostname': {
      // agnhost refuses --http together with --tcp/--udp; here raw TCP replaces HTTP (both are
      // TCP) and UDP may run beside it, which is what such a pod means.
      const port = intFlag(flags, 'port', 9376);
      const tcp = boolFlag(flags, 'tcp', false);
      const udp = boolFlag(flags, 'udp', false);
      const http = boolFlag(flags, 'http', !tcp && !udp) && !tcp;
      const listeners: Listener[] = [];
      if (http) listeners.push({ port, proto: 'http', required: true });
      if (tcp) listeners.push({ port, proto: 'tcp', required: true });
      if (udp) listeners.push({ port, proto: 'udp', required: true });
      return { kind: 'serve-hostname', listeners };
    }
    default:
      return undefined;
  }
}
