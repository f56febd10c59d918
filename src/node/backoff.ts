// Container restart back-off as kubelet keeps it (client-go flowcontrol.Backoff, 10 s doubling
// to 5 min): the first restart after a crash is immediate, each further one waits twice as
// long, measured from when the container finished; a container that stayed up for twice the
// maximum starts over at the initial delay.

export const INITIAL_BACKOFF_MS = 10_000;
export const MAX_BACKOFF_MS = 300_000;

interface Entry {
  delayMs: number;
  lastUpdate: number;
}

export class RestartBackoff {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly initialMs = INITIAL_BACKOFF_MS, private readonly maxMs = MAX_BACKOFF_MS) {}

  private expired(e: Entry, eventTime: number): boolean {
    return eventTime - e.lastUpdate > this.maxMs * 2;
  }

  /** How long is left of the back-off window that began at finishedAt (0: may restart now). */
  remaining(key: string, finishedAt: number, now: number): number {
    const e = this.entries.get(key);
    if (!e || this.expired(e, finishedAt)) return 0;
    return Math.max(0, finishedAt + e.delayMs - now);
  }

  /** The current window, for the CrashLoopBackOff message. */
  delay(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  /** A restart happens now: the next window doubles (or starts over). */
  next(key: string, finishedAt: number, now: number): void {
    const e = this.entries.get(key);
    if (!e || this.expired(e, finishedAt)) this.entries.set(key, { delayMs: this.initialMs, lastUpdate: now });
    else {
      e.delayMs = Math.min(e.delayMs * 2, this.maxMs);
      e.lastUpdate = now;
    }
  }

  forget(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}

/** `5m0s`, `40s`, as Go prints a time.Duration of whole seconds. */
export function goDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h) return `${h}h${m}m${sec}s`;
  if (m) return `${m}m${sec}s`;
  return `${sec}s`;
}
