// /healthz, /livez and /readyz as kube-apiserver serves them: named checks, `ok` when all pass,
// a listing with `?verbose` (`[+]ping ok` … `livez check passed`), 500 with the listing and
// `[-]etcd failed: reason withheld` when one fails, `?exclude=NAME` to leave checks out, and
// `/livez/etcd` for one check. Which checks run where follows kube-apiserver: readiness adds
// informer-sync and shutdown to what liveness checks.

export type HealthEndpoint = 'healthz' | 'livez' | 'readyz';

export interface HealthCheck {
  name: string;
  /** Resolves when healthy; a rejection says why (logged, withheld from the answer). */
  check(): Promise<void>;
  /** Only readiness checks it (informer-sync, shutdown); default: every endpoint. */
  readyzOnly?: boolean;
}

export interface HealthAnswer {
  status: number;
  body: string;
}

export interface CheckResult {
  name: string;
  /** Why it failed; undefined: it passed. */
  error?: string;
  excluded?: boolean;
}

/** Runs the checks of an endpoint (all at once), leaving out the excluded ones. */
export async function runChecks(checks: HealthCheck[], endpoint: HealthEndpoint, exclude: string[]): Promise<CheckResult[]> {
  const mine = checks.filter((c) => endpoint === 'readyz' || !c.readyzOnly);
  return Promise.all(
    mine.map(async (c): Promise<CheckResult> => {
      if (exclude.includes(c.name)) return { name: c.name, excluded: true };
      try {
        await c.check();
        return { name: c.name };
      } catch (e) {
        return { name: c.name, error: e instanceof Error ? e.message : String(e) };
      }
    }),
  );
}

/** kube-apiserver's answer for these results (pure). */
export function renderHealth(endpoint: HealthEndpoint, results: CheckResult[], verbose: boolean, exclude: string[]): HealthAnswer {
  const lines = results.map((r) => (r.excluded ? `[+]${r.name} excluded: ok` : r.error !== undefined ? `[-]${r.name} failed: reason withheld` : `[+]${r.name} ok`));
  const unknown = exclude.filter((name) => !results.some((r) => r.name === name));
  if (unknown.length) lines.push(`warn: some health checks cannot be excluded: no matches for ${unknown.map((n) => `"${n}"`).join(',')}`);
  const listing = lines.map((l) => `${l}\n`).join('');
  if (results.some((r) => r.error !== undefined)) return { status: 500, body: `${listing}${endpoint} check failed\n` };
  return { status: 200, body: verbose ? `${listing}${endpoint} check passed\n` : 'ok' };
}

/** One check's own path (`/livez/etcd`): `ok`, or 500 with the reason. */
export function renderSingle(result: CheckResult | undefined): HealthAnswer | undefined {
  if (!result) return undefined;
  return result.error !== undefined ? { status: 500, body: `internal server error: ${result.error}\n` } : { status: 200, body: 'ok' };
}

/** Rejects when work does not settle within ms (a store that hangs is as bad as one that fails). */
export function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000}s`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
