// sessionAffinity ClientIP: which endpoint each client address last used, valid for the
// timeout after its last new connection (iptables' `recent` match refreshes it the same way).
// Expired entries are swept as the table grows, so memory stays bounded by active clients.

import type { Clock } from '../../../util/clock.js';

interface Entry {
  endpoint: string;
  last: number;
}

export class AffinityTable {
  private entries = new Map<string, Entry>();
  private sweepAt = 1024;

  constructor(private readonly clock: Clock, readonly timeoutMs: number) {}

  /** The client's endpoint while fresh. */
  lookup(clientIP: string): string | undefined {
    const e = this.entries.get(clientIP);
    if (!e) return undefined;
    if (this.clock.now() - e.last >= this.timeoutMs) {
      this.entries.delete(clientIP);
      return undefined;
    }
    return e.endpoint;
  }

  remember(clientIP: string, endpoint: string): void {
    this.entries.set(clientIP, { endpoint, last: this.clock.now() });
    if (this.entries.size >= this.sweepAt) this.sweep();
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [ip, e] of this.entries) if (now - e.last >= this.timeoutMs) this.entries.delete(ip);
    this.sweepAt = Math.max(1024, this.entries.size * 2);
  }
}
