// wrk's text output, read: the figures every HTTP benchmark here prints. (bench/support/ is not
// run by `npm run bench`, which runs only bench/*.ts.)

export interface WrkResult {
  rps: number;
  p99ms: number;
  /** wrk's "Socket errors: connect N, read N, write N, timeout N" line, when it printed one. */
  socketErrors?: string;
  non2xx?: number;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000 };

/** The arguments for one run; `newConnEach` closes the connection after every request. */
export function wrkArgs(url: string, o: { threads: number; connections: number; seconds: number; newConnEach: boolean }): string[] {
  return [`-t${o.threads}`, `-c${o.connections}`, `-d${o.seconds}s`, '--latency', ...(o.newConnEach ? ['-H', 'Connection: close'] : []), url];
}

/** Requests/s and p99 (needs --latency) from wrk's stdout. */
export function parseWrk(stdout: string): WrkResult {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
  const m = /99%\s+([\d.]+)(us|ms|s)/.exec(stdout);
  const p99ms = m ? Number(m[1]) * UNIT_MS[m[2]!]! : NaN;
  const socketErrors = /Socket errors: (.*)/.exec(stdout)?.[1];
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1];
  return { rps, p99ms, ...(socketErrors ? { socketErrors } : {}), ...(non2xx ? { non2xx: Number(non2xx) } : {}) };
}

/** What went wrong in a run (socket errors, non-2xx answers), or undefined when nothing did. */
export function wrkTrouble(r: WrkResult): string | undefined {
  return r.socketErrors || r.non2xx ? `socket errors ${r.socketErrors ?? 0}, non-2xx ${r.non2xx ?? 0}` : undefined;
}
