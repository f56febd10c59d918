// The one polling helper of the tests: unit tests wait on in-process state, end-to-end tests on
// kubectl, dig or curl, all through this.

/** What a truthy answer can be. */
export type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/** Polls fn until it returns a truthy value or the time is up (then throws, naming `what`, with
 *  the last error fn threw, if any). Polls soon at first (5 ms), then less often, up to every
 *  intervalMs, so quick in-process changes are seen at once and slow ones cost few calls. */
export async function eventually<T>(fn: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition', intervalMs = 100): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let wait = 5; ; wait = Math.min(wait * 2, intervalMs)) {
    try {
      const v = await fn();
      if (v) return v as Truthy<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, wait));
  }
}
