// The Store on one SQLite file: a log table in the manner of kine (see src/store/README.md).
//
// better-sqlite3 is synchronous and the file is locked to this process, so each write is a
// read of the key's latest row plus one INSERT that nothing can interleave with; its revision is
// known before the INSERT and published to watchers once it is durable. Writes share their
// transaction and its fsync with the others made in the same turn of the loop (group commit):
// a thousand pods' writes cost a few fsyncs, not one each.
import { MessageChannel } from 'node:worker_threads';
import type {
  KeyValue,
  ListOptions,
  ListResult,
  Store,
  Watch,
  WatchEvent,
  WatchOptions,
} from '../store.js';
import { StoreError } from '../store.js';
import { type KeyRange, prefixRange } from './key-range.js';
import { type Db, type LogRow, openDb, readCompactRevision, readRevision } from './schema.js';
import { type HubLogger, WatchHub } from './watch-hub.js';

export interface SqliteStoreOptions {
  /** How often the automatic compactor runs (default 5 minutes; 0 turns it off). */
  compactIntervalMs?: number;
  /** Revisions the automatic compactor keeps behind the current one (default 1,000). */
  retainRevisions?: number;
  /** Live events a replaying watcher may hold back before it is dropped with `too-slow`
   *  (default 10,000). */
  maxWatchQueue?: number;
  /** How long to wait for the file's lock (default 5 s). */
  busyTimeoutMs?: number;
  /** Where dropped watchers and compaction failures are reported (a pino logger fits). */
  logger?: HubLogger;
  /** Writes of one turn of the loop share a commit and its fsync (see src/store/README.md).
   *  Off by default: each write then commits at once. `tinykube up` and `server` turn it on. */
  groupCommit?: boolean;
}

export interface SqliteStoreStats {
  revision: number;
  compactRevision: number;
  watchers: number;
  /** Watchers dropped with `too-slow` since the store opened. */
  droppedWatchers: number;
}

export interface SqliteStore extends Store {
  stats(): SqliteStoreStats;
}

const DEFAULTS = {
  compactIntervalMs: 5 * 60_000,
  retainRevisions: 1_000,
  maxWatchQueue: 10_000,
  busyTimeoutMs: 5_000,
};
/** Revisions compacted per transaction, so a large compaction does not stall writes. */
const COMPACT_BATCH = 1_000;
const REPLAY_BATCH = 1_000;

const consoleLogger: HubLogger = {
  warn: (obj, msg) => console.warn(`store: ${msg}`, obj),
  error: (obj, msg) => console.error(`store: ${msg}`, obj),
};

export async function openSqliteStore(path: string, opts: SqliteStoreOptions = {}): Promise<SqliteStore> {
  const o = {
    compactIntervalMs: opts.compactIntervalMs ?? DEFAULTS.compactIntervalMs,
    retainRevisions: opts.retainRevisions ?? DEFAULTS.retainRevisions,
    maxWatchQueue: opts.maxWatchQueue ?? DEFAULTS.maxWatchQueue,
    busyTimeoutMs: opts.busyTimeoutMs ?? DEFAULTS.busyTimeoutMs,
  };
  return new SqliteLogStore(openDb(path, o.busyTimeoutMs), o, opts.logger ?? consoleLogger, opts.groupCommit === true);
}

/** At an older revision, a live key is its latest row up to that revision unless that row is a
 *  delete marker. The NOT EXISTS probe is one seek on (name, id), and the scan stops at LIMIT. */
const LIVE_AT = `l.name >= @from AND l.name < @to AND l.id <= @rev AND l.deleted = 0
  AND NOT EXISTS (SELECT 1 FROM log n WHERE n.name = l.name AND n.id > l.id AND n.id <= @rev)`;

interface HistoryRow extends LogRow {
  p_id: number | null;
  p_value: string | null;
  p_create_revision: number | null;
}

function prepareStatements(db: Db) {
  return {
    latest: db.prepare<[string], LogRow>(`SELECT * FROM log WHERE name = ? ORDER BY id DESC LIMIT 1`),
    insert: db.prepare<LogRow>(
      `INSERT INTO log (id, name, created, deleted, create_revision, prev_revision, value)
       VALUES (@id, @name, @created, @deleted, @create_revision, @prev_revision, @value)`,
    ),
    list: db.prepare<{ from: string; to: string; limit: number }, LogRow>(
      `SELECT l.* FROM current c JOIN log l ON l.id = c.id
       WHERE c.name >= @from AND c.name < @to ORDER BY c.name LIMIT @limit`,
    ),
    listAt: db.prepare<{ from: string; to: string; rev: number; limit: number }, LogRow>(
      `SELECT l.* FROM log l WHERE ${LIVE_AT} ORDER BY l.name LIMIT @limit`,
    ),
    count: db.prepare<KeyRange, { n: number }>(
      `SELECT COUNT(*) AS n FROM current WHERE name >= @from AND name < @to`,
    ),
    history: db.prepare<{ from: string; to: string; after: number; until: number; limit: number }, HistoryRow>(
      `SELECT l.*, p.id AS p_id, p.value AS p_value, p.create_revision AS p_create_revision
       FROM log l LEFT JOIN log p ON p.id = l.prev_revision AND l.created = 0
       WHERE l.id > @after AND l.id <= @until AND l.name >= @from AND l.name < @to
       ORDER BY l.id LIMIT @limit`,
    ),
    // Rows superseded by a write in (from, to], and delete markers in (from, to]: what is left
    // answers every read at a revision >= to.
    compactSuperseded: db.prepare<{ from: number; to: number }>(
      `DELETE FROM log WHERE id IN
         (SELECT prev_revision FROM log WHERE id > @from AND id <= @to AND prev_revision > 0)`,
    ),
    compactDeletes: db.prepare<{ from: number; to: number }>(
      `DELETE FROM log WHERE deleted = 1 AND id > @from AND id <= @to`,
    ),
    setCompactRevision: db.prepare<[number]>(
      `INSERT INTO meta (key, value) VALUES ('compact_rev', ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    ),
    begin: db.prepare(`BEGIN`),
    commit: db.prepare(`COMMIT`),
    rollback: db.prepare(`ROLLBACK`),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

/** The writes of the open transaction: acknowledged together once it commits. */
interface Group {
  writes: { event: WatchEvent; resolve: (kv: KeyValue) => void; reject: (err: unknown) => void }[];
  /** Why the transaction is gone before its commit (SQLite rolled it back on an I/O error). */
  lost?: unknown;
  /** Resolves when the group has committed or failed: reads wait for it. */
  settled: Promise<void>;
  done: () => void;
}

class SqliteLogStore implements SqliteStore {
  /** The last durable revision: what reads, watches and currentRevision see. */
  private revision: number;
  /** The last revision written, durable or in the open group: the next write follows it. */
  private written: number;
  private group?: Group;
  /** Commits the open group from the loop's I/O phase (see commitSoon). */
  /** With group commit: commits the open group from the loop's I/O phase (see commitSoon). */
  private readonly committer?: MessageChannel;
  private compactRevision: number;
  private closed = false;
  private readonly hub: WatchHub;
  private readonly compactor?: NodeJS.Timeout;
  private readonly q: Statements;

  constructor(
    private readonly db: Db,
    opts: typeof DEFAULTS,
    private readonly log: HubLogger,
    groupCommit: boolean,
  ) {
    this.revision = readRevision(db);
    this.written = this.revision;
    this.compactRevision = readCompactRevision(db);
    this.q = prepareStatements(db);
    this.hub = new WatchHub({
      maxQueue: opts.maxWatchQueue,
      replayBatch: REPLAY_BATCH,
      readHistory: (range, after, until, limit) => this.readHistory(range, after, until, limit),
      currentRevision: () => this.revision,
      log,
    });
    // Referenced until close(), as an open server is: unreferenced between groups, the loop
    // could end while in-process work waited on unreferenced timers for its next write
    // (src/proxy/index.test.ts failed one run in three).
    if (groupCommit) {
      this.committer = new MessageChannel();
      this.committer.port1.on('message', () => this.commit());
    }
    if (opts.compactIntervalMs > 0) {
      const retain = opts.retainRevisions;
      this.compactor = setInterval(() => this.autoCompact(retain), opts.compactIntervalMs).unref();
    }
  }

  stats(): SqliteStoreStats {
    return {
      revision: this.revision,
      compactRevision: this.compactRevision,
      watchers: this.hub.size,
      droppedWatchers: this.hub.dropped,
    };
  }

  async currentRevision(): Promise<number> {
    this.checkOpen();
    return this.revision;
  }

  async compactedRevision(): Promise<number> {
    this.checkOpen();
    return this.compactRevision;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    await this.settled();
    const row = this.q.latest.get(key);
    return row && !row.deleted ? toKv(row) : undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    await this.settled();
    const rev = this.revisionToRead(opts.revision);
    const range = prefixRange(prefix);
    const from = opts.startAfter !== undefined ? maxKey(range.from, keyAfter(opts.startAfter)) : range.from;
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    // One extra row tells whether more follow.
    const page = { from, to: range.to, limit: limit ? limit + 1 : -1 };
    const atHead = rev === this.revision;
    const rows = atHead ? this.q.list.all(page) : this.q.listAt.all({ ...page, rev });
    const more = limit > 0 && rows.length > limit;
    if (more) rows.length = limit;
    const result: ListResult = { items: rows.map(toKv), revision: rev, more };
    // Counting at an older revision would walk the whole rest of the log's range: leave it unknown.
    if (more && atHead) {
      result.remaining = this.q.count.get({ from: keyAfter(rows[rows.length - 1]!.name), to: range.to })!.n;
    }
    return result;
  }

  async count(prefix: string): Promise<number> {
    await this.settled();
    return this.q.count.get(prefixRange(prefix))!.n;
  }

  async create(key: string, value: string): Promise<KeyValue> {
    this.checkOpen();
    const latest = this.q.latest.get(key);
    if (latest && !latest.deleted) throw new StoreError('exists', `${key} already exists`, toKv(latest));
    const id = this.written + 1;
    const row: LogRow = {
      id,
      name: key,
      created: 1,
      deleted: 0,
      create_revision: id,
      prev_revision: latest?.id ?? 0,
      value,
    };
    return this.append(row, { type: 'put', kv: toKv(row), created: true });
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    this.checkOpen();
    const prev = this.current(key, expectedModRevision);
    const row: LogRow = { ...nextRow(prev, this.written + 1), value };
    return this.append(row, { type: 'put', kv: toKv(row), prev: toKv(prev), created: false });
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    this.checkOpen();
    const prev = this.current(key, expectedModRevision);
    const row: LogRow = { ...nextRow(prev, this.written + 1), deleted: 1 };
    return this.append(row, { type: 'delete', kv: toKv(row), prev: toKv(prev), created: false });
  }

  watch(prefix: string, opts: WatchOptions): Watch {
    if (this.closed) {
      let cancelled = false;
      setImmediate(() => cancelled || opts.onError(new StoreError('closed', 'store closed')));
      return { cancel: () => void (cancelled = true) };
    }
    return this.hub.watch(prefix, opts, this.compactRevision);
  }

  async compact(revision: number): Promise<void> {
    await this.settled();
    if (revision > this.revision) {
      throw new StoreError('future', `cannot compact at ${revision}: current revision is ${this.revision}`);
    }
    while (this.compactRevision < revision) {
      const to = Math.min(revision, this.compactRevision + COMPACT_BATCH);
      this.db.transaction(() => {
        const span = { from: this.compactRevision, to };
        this.q.compactSuperseded.run(span);
        this.q.compactDeletes.run(span);
        this.q.setCompactRevision.run(to);
      })();
      this.compactRevision = to;
      this.hub.compacted(to);
      if (to < revision) {
        await new Promise((resolve) => setImmediate(resolve));
        await this.settled();
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.commit();
    this.closed = true;
    this.committer?.port1.close();
    clearInterval(this.compactor);
    this.hub.closeAll();
    this.db.close();
  }

  private autoCompact(retain: number): void {
    const target = this.revision - retain;
    if (target <= this.compactRevision) return;
    this.compact(target).catch((err) => {
      if (!this.closed) this.log.error({ err, target }, 'automatic compaction failed');
    });
  }

  /** The key's live row, checked against the caller's expected modRevision. */
  private current(key: string, expectedModRevision: number | undefined): LogRow {
    const latest = this.q.latest.get(key);
    if (!latest || latest.deleted) throw new StoreError('not-found', `${key} not found`);
    if (expectedModRevision !== undefined && latest.id !== expectedModRevision) {
      throw new StoreError(
        'conflict',
        `${key} is at revision ${latest.id}, not ${expectedModRevision}`,
        toKv(latest),
      );
    }
    return latest;
  }

  /** Inserts the row into the open group's transaction (opening one). The promise resolves
   *  once that transaction is durable (fsynced by synchronous=FULL), after the event is
   *  published; a failed commit fails every write of its group. */
  private append(row: LogRow, event: WatchEvent): Promise<KeyValue> {
    if (!this.group) this.open();
    const group = this.group!;
    try {
      this.q.insert.run(row);
    } catch (err) {
      // An I/O error (disk full…) may have rolled the whole transaction back: its writes failed.
      if (!this.db.inTransaction) {
        group.lost = err;
        this.commit();
      }
      throw err;
    }
    this.written = row.id;
    const acked = new Promise<KeyValue>((resolve, reject) => group.writes.push({ event, resolve, reject }));
    if (!this.committer) this.commit();
    return acked;
  }

  private open(): void {
    this.q.begin.run();
    let done!: () => void;
    const settled = new Promise<void>((resolve) => (done = resolve));
    this.group = { writes: [], settled, done };
    this.commitSoon();
  }

  /** Asks for commit() once the writes of this turn are in: the writes made while this loop
   *  iteration handles I/O (requests read in one poll, a controller's burst, the writes their
   *  answers set off) join it. Not setImmediate: acknowledgements given in the check phase
   *  reach Node 20's HTTP server before the answer's 'drain', which pauses its parser mid-request
   *  and resets keep-alive connections (HPE_PAUSED, seen with 64 KiB bodies). A message arrives
   *  in the I/O phase, where requests are answered anyway. */
  private commitSoon(): void {
    this.committer?.port2.postMessage(null);
  }

  /** Commits the open group, then publishes its events in order and acknowledges its writes; a
   *  failed commit rolls it back, fails each of its writes and leaves the revision where it was. */
  private commit(): void {
    const group = this.group;
    if (!group) return;
    this.group = undefined;
    let failure = group.lost;
    if (failure === undefined) {
      try {
        this.q.commit.run();
      } catch (err) {
        failure = err;
        if (this.db.inTransaction) this.q.rollback.run();
      }
    }
    if (failure !== undefined) {
      this.written = this.revision;
      for (const w of group.writes) w.reject(failure);
    } else {
      for (const w of group.writes) {
        this.revision = w.event.kv.modRevision;
        this.hub.publish(w.event);
        w.resolve(w.event.kv);
      }
    }
    group.done();
  }

  /** Waits until no group is open, so a read sees durable writes only (and all of them: a
   *  write's caller hears of it after its commit). */
  private async settled(): Promise<void> {
    this.checkOpen();
    while (this.group) {
      await this.group.settled;
      this.checkOpen();
    }
  }

  private revisionToRead(requested: number | undefined): number {
    if (!requested) return this.revision;
    if (requested < this.compactRevision) {
      throw new StoreError(
        'compacted',
        `revision ${requested} has been compacted (oldest kept: ${this.compactRevision})`,
        undefined,
        this.compactRevision,
      );
    }
    if (requested > this.revision) {
      throw new StoreError('future', `revision ${requested} is newer than the current ${this.revision}`);
    }
    return requested;
  }

  private readHistory(range: KeyRange, after: number, until: number, limit: number): WatchEvent[] {
    return this.q.history.all({ ...range, after, until, limit }).map(toEvent);
  }

  private checkOpen(): void {
    if (this.closed) throw new StoreError('closed', 'store closed');
  }
}

/** The next row of a live key, before its value and kind are set. */
function nextRow(prev: LogRow, id: number): LogRow {
  return { ...prev, id, created: 0, deleted: 0, prev_revision: prev.id };
}

function toKv(row: LogRow): KeyValue {
  return { key: row.name, value: row.value, createRevision: row.create_revision, modRevision: row.id };
}

function toEvent(row: HistoryRow): WatchEvent {
  const event: WatchEvent = { type: row.deleted ? 'delete' : 'put', kv: toKv(row), created: row.created === 1 };
  if (row.p_id !== null) {
    event.prev = { key: row.name, value: row.p_value!, createRevision: row.p_create_revision!, modRevision: row.p_id };
  }
  return event;
}

/** The smallest key greater than `key`. */
function keyAfter(key: string): string {
  return `${key}\u0000`;
}

function maxKey(a: string, b: string): string {
  return a > b ? a : b;
}
