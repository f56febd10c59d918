// Fans committed writes out to in-process watchers (see src/store/README.md, "A watch").
//
// Writes are synchronous (better-sqlite3) and happen in this process, so a watcher created at
// revision R replays (after, R] from the log and takes every published event above R from its
// queue: no gap, no duplicate, and no lock needed. Queues are flushed once per tick.
import type { Watch, WatchEvent, WatchOptions } from '../store.js';
import { StoreError } from '../store.js';
import { type KeyRange, prefixRange } from './key-range.js';

export interface HubLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface WatchHubOptions {
  /** A replaying watcher holding back more live events than this is dropped with `too-slow`;
   *  a caught-up one is handed its queue at once instead. */
  maxQueue: number;
  /** History rows read per tick while a watcher replays. */
  replayBatch: number;
  /** Changes in range with after < revision <= until, in revision order, at most limit. */
  readHistory(range: KeyRange, after: number, until: number, limit: number): WatchEvent[];
  currentRevision(): number;
  log: HubLogger;
}

interface Watcher {
  prefix: string;
  range: KeyRange;
  opts: WatchOptions;
  /** Live events above this revision are this watcher's; those at or below come from replay. */
  liveAfter: number;
  /** Replay position: every matching change up to here has been delivered. */
  cursor: number;
  replaying: boolean;
  queue: WatchEvent[];
  progress?: NodeJS.Timeout;
}

export class WatchHub {
  private readonly watchers = new Set<Watcher>();
  private flushScheduled = false;
  /** Watchers dropped for being too slow since the store opened. */
  dropped = 0;

  constructor(private readonly o: WatchHubOptions) {}

  get size(): number {
    return this.watchers.size;
  }

  watch(prefix: string, opts: WatchOptions, compactRevision: number): Watch {
    const rev = this.o.currentRevision();
    if (opts.afterRevision < compactRevision) {
      // Reported asynchronously, like every other watch outcome, so the caller holds its Watch.
      let cancelled = false;
      setImmediate(() => {
        if (!cancelled) opts.onError(compactedError(opts.afterRevision, compactRevision));
      });
      return { cancel: () => void (cancelled = true) };
    }
    const w: Watcher = {
      prefix,
      range: prefixRange(prefix),
      opts,
      liveAfter: Math.max(opts.afterRevision, rev),
      cursor: opts.afterRevision,
      replaying: opts.afterRevision < rev,
      queue: [],
    };
    this.watchers.add(w);
    if (w.replaying) setImmediate(() => this.replayStep(w));
    if (opts.progressNotifyMs && opts.onProgress) {
      w.progress = setTimeout(() => this.progress(w), opts.progressNotifyMs).unref();
    }
    return { cancel: () => this.end(w) };
  }

  /** Called once per committed write, in revision order. */
  publish(event: WatchEvent): void {
    const { key, modRevision } = event.kv;
    for (const w of this.watchers) {
      if (modRevision <= w.liveAfter || key < w.range.from || key >= w.range.to) continue;
      w.queue.push(event);
      if (w.queue.length <= this.o.maxQueue) continue;
      // Only a replay holds events back; a caught-up watcher just gets a batch before the tick ends.
      if (w.replaying) this.drop(w);
      else this.deliver(w, w.queue.splice(0));
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** History up to `revision` is gone: watchers still replaying below it cannot catch up. */
  compacted(revision: number): void {
    for (const w of this.watchers) {
      if (w.replaying && w.cursor < revision) this.fail(w, compactedError(w.cursor, revision));
    }
  }

  closeAll(): void {
    for (const w of this.watchers) this.fail(w, new StoreError('closed', 'store closed'));
  }

  private flush(): void {
    this.flushScheduled = false;
    for (const w of this.watchers) {
      if (!w.replaying && w.queue.length > 0) this.deliver(w, w.queue.splice(0));
    }
  }

  private replayStep(w: Watcher): void {
    if (!this.watchers.has(w)) return;
    const until = w.liveAfter;
    const events = this.o.readHistory(w.range, w.cursor, until, this.o.replayBatch);
    w.cursor = events.length < this.o.replayBatch ? until : events[events.length - 1]!.kv.modRevision;
    if (events.length > 0) this.deliver(w, events);
    if (!this.watchers.has(w)) return;
    if (w.cursor < until) {
      setImmediate(() => this.replayStep(w));
      return;
    }
    w.replaying = false;
    if (w.queue.length > 0) this.deliver(w, w.queue.splice(0));
  }

  private deliver(w: Watcher, events: WatchEvent[]): void {
    w.progress?.refresh();
    try {
      w.opts.onEvents(events);
    } catch (err) {
      this.o.log.error({ err, prefix: w.prefix }, 'watch onEvents threw');
    }
  }

  private progress(w: Watcher): void {
    if (!this.watchers.has(w)) return;
    // A queued or replaying watcher has not seen everything up to the current revision yet.
    if (!w.replaying && w.queue.length === 0) w.opts.onProgress!(this.o.currentRevision());
    w.progress!.refresh();
  }

  private drop(w: Watcher): void {
    this.dropped++;
    this.o.log.warn(
      { prefix: w.prefix, queued: w.queue.length, dropped: this.dropped },
      'dropping a watcher that fell too far behind',
    );
    this.fail(w, new StoreError('too-slow', `watcher of ${w.prefix} fell ${w.queue.length} events behind`));
  }

  private fail(w: Watcher, err: StoreError): void {
    if (!this.watchers.has(w)) return;
    this.end(w);
    try {
      w.opts.onError(err);
    } catch (e) {
      this.o.log.error({ err: e, prefix: w.prefix }, 'watch onError threw');
    }
  }

  private end(w: Watcher): void {
    this.watchers.delete(w);
    clearTimeout(w.progress);
    w.queue = [];
  }
}

function compactedError(after: number, compactRevision: number): StoreError {
  return new StoreError(
    'compacted',
    `revision ${after} has been compacted (oldest kept: ${compactRevision})`,
    undefined,
    compactRevision,
  );
}
