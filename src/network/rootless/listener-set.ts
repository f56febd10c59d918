// A set of listeners kept equal to a desired list (effects): opens what is missing, closes what
// is no longer wanted, and reports once each listener that cannot open (until what is wanted of
// it changes). What a listener does with a connection is looked up at connection time, so a
// change of target needs no new listener.

export interface Listening {
  close(): void;
}

export class ListenerSet<T extends { key: string }> {
  private readonly open = new Map<string, Listening>();
  private readonly wanted = new Map<string, T>();
  /** Keys that failed, with the item they failed for. */
  private readonly failed = new Map<string, string>();
  private running: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly listen: (item: T, current: () => T | undefined) => Promise<Listening>,
    private readonly onFailure: (item: T, e: NodeJS.ErrnoException) => void,
  ) {}

  /** What the listener of `key` serves now. */
  current(key: string): T | undefined {
    return this.wanted.get(key);
  }

  /** Reconciles to `desired`; calls are serialised. */
  reconcile(desired: T[]): Promise<void> {
    this.running = this.running.then(() => this.apply(desired));
    return this.running;
  }

  /** Reconciles to `desired()` shortly: a burst of informer events makes one pass. */
  reconcileSoon(desired: () => T[]): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.reconcile(desired()), 50);
  }

  private async apply(desired: T[]): Promise<void> {
    this.wanted.clear();
    for (const item of desired) this.wanted.set(item.key, item);
    for (const [key, l] of this.open) {
      if (this.wanted.has(key)) continue;
      l.close();
      this.open.delete(key);
    }
    for (const key of this.failed.keys()) if (!this.wanted.has(key)) this.failed.delete(key);
    for (const item of desired) {
      if (this.open.has(item.key) || this.failed.get(item.key) === JSON.stringify(item)) continue;
      try {
        this.open.set(item.key, await this.listen(item, () => this.wanted.get(item.key)));
        this.failed.delete(item.key);
      } catch (e) {
        this.failed.set(item.key, JSON.stringify(item));
        this.onFailure(item, e as NodeJS.ErrnoException);
      }
    }
  }

  keys(): string[] {
    return [...this.open.keys()];
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    await this.running;
    for (const l of this.open.values()) l.close();
    this.open.clear();
  }
}
