// Replies kept as wire bytes, so a repeated question costs one hash, one lookup and one copy: no
// decode, no records, no encode. The key is the query after its ID with the question name
// lower-cased (flags, EDNS0 and the transport stay part of it); a hit patches the asker's ID and
// the question's case into the sender's buffer. Each cluster reply names what it was computed
// from (`svc:ns/name`, `ns:name`, `ip:addr`), so a change drops only the replies that read it.
//
// A hit allocates nothing: lookup() hashes the query's bytes as they arrive and compares them
// with the stored key string in place; the key string itself is built only when a reply is
// stored. Eviction is first-in first-out: a hit does no bookkeeping, and the bound keeps a
// flood of distinct names from growing memory.

/** Replies each process keeps (the Handler, and every UDP worker's copy). */
export const REPLY_CACHE_SIZE = 10_000;
/** Larger queries (TCP allows 64 KiB) are answered but not cached: keys stay small. */
export const MAX_CACHED_QUERY = 512;
const HEADER = 12;

export interface CachedReply<L> {
  bytes: Buffer;
  /** Milliseconds since the epoch after which the reply is stale. */
  expires: number;
  /** What the reply was computed from; a change to any of these drops it. */
  deps: readonly string[];
  /** What the caller needs to count the reply without decoding it. */
  label: L;
}

interface Entry<L> extends CachedReply<L> {
  key: string;
  hash: number;
  /** The next entry with the same hash. */
  next: Entry<L> | undefined;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const tagOf = (transport: 'udp' | 'tcp'): number => (transport === 'udp' ? 0x75 /* u */ : 0x74); /* t */
/** FNV-1a, kept to 30 bits so V8 keeps it a small integer (a Map key without a heap number). */
const smi = (h: number): number => h & 0x3fffffff;

/** The hash of a key string: the same as lookup() computes from the query bytes it stands for. */
export function hashKey(key: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), FNV_PRIME);
  return smi(h);
}

/** A scratch buffer for building keys: one per process, reused by every query. */
const scratch = Buffer.allocUnsafe(MAX_CACHED_QUERY);

/**
 * The cache key of a query: transport, then the bytes after the ID with the question name
 * lower-cased; undefined when the query is not cacheable (too long, a compressed or malformed
 * question). `msg` has at least the 12-byte header.
 */
export function replyKey(msg: Buffer, transport: 'udp' | 'tcp'): string | undefined {
  if (msg.length > MAX_CACHED_QUERY) return undefined;
  const end = questionNameEnd(msg);
  if (end < 0) return undefined;
  msg.copy(scratch, 0, 2);
  for (let i = HEADER - 2; i < end - 2; i++) {
    const c = scratch[i];
    if (c >= 0x41 && c <= 0x5a) scratch[i] = c | 0x20;
  }
  return String.fromCharCode(tagOf(transport)) + scratch.toString('latin1', 0, msg.length - 2);
}

/** Where the first question's name ends (after its root label), or -1 when it cannot be read plainly. */
function questionNameEnd(msg: Buffer): number {
  let i = HEADER;
  while (i < msg.length) {
    const len = msg[i];
    if (len === 0) return i + 1;
    if (len > 63) return -1; // a compression pointer or a reserved label type
    i += 1 + len;
  }
  return -1;
}

export class ReplyCache<L> {
  private readonly entries = new Map<string, Entry<L>>();
  private readonly byHash = new Map<number, Entry<L>>();
  /** dependency → keys of the replies computed from it. */
  private readonly dependents = new Map<string, Set<string>>();

  constructor(
    private readonly capacity: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The stored reply for the query `msg` (replyKey's key, without building it), or undefined when absent or stale. */
  lookup(msg: Buffer, transport: 'udp' | 'tcp'): CachedReply<L> | undefined {
    if (msg.length > MAX_CACHED_QUERY || this.entries.size === 0) return undefined;
    const end = questionNameEnd(msg);
    if (end < 0) return undefined;
    const tag = tagOf(transport);
    let h = Math.imul(FNV_OFFSET ^ tag, FNV_PRIME);
    for (let i = 2; i < msg.length; i++) h = Math.imul(h ^ lowerAt(msg, i, end), FNV_PRIME);
    for (let e = this.byHash.get(smi(h)); e !== undefined; e = e.next) {
      if (!sameKey(e.key, tag, msg, end)) continue;
      if (this.now() < e.expires) return e;
      this.delete(e.key);
      return undefined;
    }
    return undefined;
  }

  set(key: string, reply: CachedReply<L>): void {
    this.delete(key);
    if (this.entries.size >= this.capacity) this.delete(this.entries.keys().next().value!);
    const hash = hashKey(key);
    const e: Entry<L> = { ...reply, key, hash, next: this.byHash.get(hash) };
    this.entries.set(key, e);
    this.byHash.set(hash, e);
    for (const d of e.deps) {
      let keys = this.dependents.get(d);
      if (!keys) this.dependents.set(d, (keys = new Set()));
      keys.add(key);
    }
  }

  /** Drops the replies computed from any of these dependencies; returns their keys. */
  invalidate(deps: Iterable<string>): string[] {
    const dropped: string[] = [];
    for (const d of deps) {
      const keys = this.dependents.get(d);
      if (!keys) continue;
      for (const key of keys) {
        dropped.push(key);
        this.delete(key);
      }
    }
    return dropped;
  }

  delete(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.unlink(e);
    for (const d of e.deps) {
      const keys = this.dependents.get(d);
      if (!keys) continue;
      keys.delete(key);
      if (keys.size === 0) this.dependents.delete(d);
    }
  }

  clear(): void {
    this.entries.clear();
    this.byHash.clear();
    this.dependents.clear();
  }

  private unlink(e: Entry<L>): void {
    let head = this.byHash.get(e.hash);
    if (head === e) {
      if (e.next) this.byHash.set(e.hash, e.next);
      else this.byHash.delete(e.hash);
      return;
    }
    for (; head !== undefined; head = head.next) {
      if (head.next === e) {
        head.next = e.next;
        return;
      }
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

/** The byte at i as the key holds it: lower-cased within the question name (before `end`). */
function lowerAt(msg: Buffer, i: number, end: number): number {
  const c = msg[i];
  return i < end && c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
}

/** Whether `key` is the key of `msg` (tag, then the bytes after the ID, name lower-cased). */
function sameKey(key: string, tag: number, msg: Buffer, end: number): boolean {
  if (key.length !== msg.length - 1 || key.charCodeAt(0) !== tag) return false;
  for (let i = 2; i < msg.length; i++) if (key.charCodeAt(i - 1) !== lowerAt(msg, i, end)) return false;
  return true;
}

/** Whether a reply carries the query's question name byte for byte (up to case), so patchReply may copy it in. */
export function sameQuestion(reply: Buffer, msg: Buffer): boolean {
  const end = questionNameEnd(msg);
  return end > 0 && reply.length >= end && reply.toString('latin1', HEADER, end).toLowerCase() === msg.toString('latin1', HEADER, end).toLowerCase();
}

/** The reply for `msg` from stored bytes: the asker's ID and question case patched into a copy. */
export function patchReply(stored: Buffer, msg: Buffer): Buffer {
  const out = Buffer.from(stored);
  patchInPlace(out, msg);
  return out;
}

/**
 * Writes the asker's ID and question case into `reply` itself: a stored reply is sent as it is,
 * without a copy, when nothing else may be reading it (udp-socket.ts). The question is the first
 * thing after the header in both, with the same length; a byte loop, as Buffer.copy from an
 * offset allocates a view.
 */
export function patchInPlace(reply: Buffer, msg: Buffer): void {
  reply[0] = msg[0];
  reply[1] = msg[1];
  const end = questionNameEnd(msg);
  for (let i = HEADER; i < end; i++) reply[i] = msg[i];
}
