// A bounded cache whose entries expire: the least recently used entry goes first when full, so
// a flood of distinct names cannot grow memory (a Map keeps insertion order; a hit re-inserts).

export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; stored: number; expires: number }>();

  constructor(
    private readonly capacity: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The value and how many whole seconds it has been cached, if still fresh. */
  get(key: string): { value: V; ageSeconds: number } | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    const now = this.now();
    if (now >= e.expires) {
      this.entries.delete(key);
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, e);
    return { value: e.value, ageSeconds: Math.floor((now - e.stored) / 1000) };
  }

  set(key: string, value: V, ttlSeconds: number): void {
    if (ttlSeconds <= 0) return;
    this.entries.delete(key);
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    const now = this.now();
    this.entries.set(key, { value, stored: now, expires: now + ttlSeconds * 1000 });
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
