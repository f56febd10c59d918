// Opens the SQLite file and lays out the log table (see src/store/README.md).
import Database from 'better-sqlite3';
import { StoreError } from '../store.js';

export type Db = Database.Database;

/** One row of the log: one write. Its id is the revision of that write. */
export interface LogRow {
  id: number;
  name: string;
  /** 1 when this write created the key (first write, or first after a delete). */
  created: number;
  /** 1 for a delete marker; its value is the value that was deleted. */
  deleted: number;
  create_revision: number;
  /** id of the key's previous row (0 for a first create): UNIQUE with name, so two writers
   *  that read the same previous row cannot both append after it. */
  prev_revision: number;
  value: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  value TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS log_name_prev ON log (name, prev_revision);
CREATE INDEX IF NOT EXISTS log_name_id ON log (name, id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
-- The latest row of every live key, kept by the trigger in the same statement as the log
-- insert: lists and counts at the current revision walk this instead of probing the log.
CREATE TABLE IF NOT EXISTS current (name TEXT PRIMARY KEY, id INTEGER NOT NULL) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS log_current AFTER INSERT ON log BEGIN
  DELETE FROM current WHERE NEW.deleted = 1 AND name = NEW.name;
  INSERT OR REPLACE INTO current (name, id) SELECT NEW.name, NEW.id WHERE NEW.deleted = 0;
END;
`;

export function openDb(path: string, busyTimeoutMs: number): Db {
  const db = new Database(path, { timeout: busyTimeoutMs });
  try {
    db.pragma('journal_mode = WAL');
    // Every commit is fsynced before the write is acknowledged.
    db.pragma('synchronous = FULL');
    // Revisions and watch events live in this process, so a second writer would corrupt both:
    // hold the file's lock for the life of the connection (the OS frees it if we die).
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec(SCHEMA);
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      throw new StoreError('unavailable', `store ${path} is in use by another process`);
    }
    throw err;
  }
  return db;
}

/** The newest revision ever written: AUTOINCREMENT remembers it even after compaction has
 *  removed its row. */
export function readRevision(db: Db): number {
  const row = db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'log'`).get() as
    | { seq: number }
    | undefined;
  return row?.seq ?? 0;
}

export function readCompactRevision(db: Db): number {
  const row = db.prepare(`SELECT value FROM meta WHERE key = 'compact_rev'`).get() as
    | { value: number }
    | undefined;
  return row?.value ?? 0;
}
