// A range of numbers to hand out (IP offsets in the service CIDR, or node ports), each one a
// reservation key in the store. Free numbers are picked at random so that API servers sharing
// a store rarely collide, and the pick stays fast when the range is nearly full: a few random
// tries, then one listing of the taken keys and a scan from a random point.

import type { Store } from '../../../store/store.js';

export interface Pool {
  /** Inclusive bounds of the numbers handed out. */
  first: number;
  last: number;
  /** Dynamic picks try [preferFrom, last] before [first, preferFrom), leaving the low band to
   *  clients that ask for a specific value (Kubernetes' static/dynamic sub-ranges). */
  preferFrom: number;
  /** Numbers set aside for particular services, never picked at random. */
  reserved: ReadonlySet<number>;
  prefix: string;
  key(n: number): string;
  /** The number a reservation key stands for, if it is one of this pool's. */
  numberOf(key: string): number | undefined;
}

const RANDOM_TRIES = 4;

/** Kubernetes' static band size: min(max(lo, size/step), hi), nothing for tiny ranges. */
export function staticBand(size: number, lo: number, step: number, hi: number): number {
  if (size <= lo) return 0;
  return Math.min(Math.max(lo, Math.floor(size / step)), hi);
}

const randomBelow = (n: number): number => Math.floor(Math.random() * n);

/**
 * Picks a free number and lets `take` try to reserve it (true: done; false: taken meanwhile).
 * `exclude` holds numbers the caller must not get (already its own in this write).
 */
export async function pickFree(
  store: Store,
  pool: Pool,
  exclude: ReadonlySet<number>,
  take: (n: number) => Promise<boolean>,
): Promise<number | undefined> {
  const bands = [
    [pool.preferFrom, pool.last],
    [pool.first, pool.preferFrom - 1],
  ].filter(([lo, hi]) => hi >= lo);
  if (bands.length === 0) return undefined;
  const usable = (n: number): boolean => !pool.reserved.has(n) && !exclude.has(n);

  const [lo, hi] = bands[0];
  for (let i = 0; i < RANDOM_TRIES; i++) {
    const n = lo + randomBelow(hi - lo + 1);
    if (usable(n) && (await take(n))) return n;
  }

  const taken = new Set<number>();
  for (const kv of (await store.list(pool.prefix)).items) {
    const n = pool.numberOf(kv.key);
    if (n !== undefined) taken.add(n);
  }
  for (const [lo, hi] of bands) {
    const size = hi - lo + 1;
    const start = randomBelow(size);
    for (let i = 0; i < size; i++) {
      const n = lo + ((start + i) % size);
      if (usable(n) && !taken.has(n) && (await take(n))) return n;
    }
  }
  return undefined;
}
