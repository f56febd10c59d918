// The revisioned key-value store under the API server (see src/store/README.md).
//
// Modelled on kine's Backend and etcd's v3 semantics: every write gets the next global
// revision; a key's modRevision is the revision of its last write; create fails on an existing
// key; update and delete are compare-and-swap on modRevision; watch replays every change after a
// revision (in revision order) and then streams; compaction forgets history before a revision
// and a watch or list from before it fails with `compacted`.

export interface KeyValue {
  key: string;
  /** The stored bytes, as the API server wrote them (JSON text). */
  value: string;
  /** Revision at which this key was (last) created. */
  createRevision: number;
  /** Revision of the last write to this key. */
  modRevision: number;
  /** Decrypted with an encryption provider that no longer writes (encryption/): an update
   *  rewrites it even when nothing else changed, so key rotation is a rewrite of each object. */
  stale?: boolean;
}

export type WatchEventType = 'put' | 'delete';

export interface WatchEvent {
  type: WatchEventType;
  /** For puts, the new value; for deletes, the value as it was just before the delete, with
   *  modRevision set to the revision of the delete. */
  kv: KeyValue;
  /** For puts of an existing key and for deletes: the value before this event. */
  prev?: KeyValue;
  /** True when the put created the key. */
  created: boolean;
}

export interface ListOptions {
  /** At most this many items (0 or undefined: all). */
  limit?: number;
  /** Start after this key (exclusive); the key of the last item of the previous page. */
  startAfter?: string;
  /** Read as of this revision (must not be compacted). 0 or undefined: the current revision. */
  revision?: number;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the list was read at. */
  revision: number;
  /** More items follow the last one returned. */
  more: boolean;
  /** Items remaining after this page, when known. */
  remaining?: number;
}

export interface WatchOptions {
  /** Deliver every change with revision > afterRevision. */
  afterRevision: number;
  /** Called with events in revision order. */
  onEvents: (events: WatchEvent[]) => void;
  /** Called once when the watch ends abnormally (compacted, store closed, watcher too slow). */
  onError: (err: StoreError) => void;
  /** Also deliver a progress notification (current revision) after this many ms of quiet. */
  progressNotifyMs?: number;
  onProgress?: (revision: number) => void;
}

export interface Watch {
  /** Stop delivering events; idempotent. */
  cancel(): void;
}

export type StoreErrorCode =
  | 'exists' // create of an existing key
  | 'not-found' // update/delete/get of a missing key
  | 'conflict' // modRevision did not match
  | 'compacted' // revision older than the compacted revision
  | 'future' // revision newer than the current one
  | 'closed' // store closed
  | 'too-slow' // a watcher fell too far behind and was dropped (the client must re-list)
  | 'unavailable'; // backend unreachable

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    /** For conflict / exists: the current value; for compacted: the compacted revision. */
    readonly current?: KeyValue,
    readonly compactRevision?: number,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface Store {
  /** The newest revision (0 for an empty store). */
  currentRevision(): Promise<number>;
  /** The oldest revision still readable and watchable from (history before it is gone). */
  compactedRevision(): Promise<number>;
  get(key: string): Promise<KeyValue | undefined>;
  /** Keys with this prefix, in key order. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  count(prefix: string): Promise<number>;
  /** Fails with `exists` when the key is present. */
  create(key: string, value: string): Promise<KeyValue>;
  /** Fails with `not-found` or `conflict` (error.current holds the current value). */
  update(key: string, value: string, expectedModRevision: number): Promise<KeyValue>;
  /** Fails with `not-found`, or `conflict` when expectedModRevision is given and differs.
   *  Returns the deleted value with modRevision = the revision of the delete. */
  delete(key: string, expectedModRevision?: number): Promise<KeyValue>;
  /** Fails synchronously-or-through-onError with `compacted` when afterRevision is too old. */
  watch(prefix: string, opts: WatchOptions): Watch;
  /** Forget history before `revision` (keeping the newest value of every live key). */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}
