// What both change trackers hand over at sync time, and how a sync applies it.

export interface Change<T> {
  previous: T;
  current: T;
  /** When the first still-pending change was seen (Clock time). */
  since: number;
}

/** Deep equality for the plain, deterministically built values the trackers compare. */
export const sameJSON = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Replaces each changed service's entries (keyed by service port) with its current ones. */
export function applyChanges<T>(map: Map<string, T>, changes: Map<string, Change<Map<string, T>>>): void {
  for (const c of changes.values()) {
    for (const k of c.previous.keys()) map.delete(k);
    for (const [k, v] of c.current) map.set(k, v);
  }
}
