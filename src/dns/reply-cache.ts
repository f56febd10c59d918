// Replies kept as wire bytes, so a repeated question costs one key, one lookup and one copy: no
// decode, no records, no encode. The key is the query after its ID with the question name
// lower-cased (flags, EDNS0 and the transport stay part of it); a hit patches the asker's ID and
// the question's case into a copy. Each cluster reply names what it was computed from
// (`svc:ns/name`, `ns:name`, `ip:addr`), so a change drops only the replies that read it.
//
// Eviction is first-in first-out: a hit does no bookkeeping, and the bound keeps a flood of
// distinct names from growing memory.

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
  return (transport === 'udp' ? 'u' : 't') + scratch.toString('latin1', 0, msg.length - 2);
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
  private readonly entries = new Map<string, CachedReply<L>>();
  /** dependency → keys of the replies computed from it. */
  private readonly dependents = new Map<string, Set<string>>();

  constructor(
    private readonly capacity: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The stored reply for a key, or undefined when absent or stale. */
  get(key: string): CachedReply<L> | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (this.now() < e.expires) return e;
    this.delete(key);
    return undefined;
  }

  set(key: string, e: CachedReply<L>): void {
    this.delete(key);
    if (this.entries.size >= this.capacity) this.delete(this.entries.keys().next().value!);
    this.entries.set(key, e);
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
    for (const d of e.deps) {
      const keys = this.dependents.get(d);
      if (!keys) continue;
      keys.delete(key);
      if (keys.size === 0) this.dependents.delete(d);
    }
  }

  clear(): void {
    this.entries.clear();
    this.dependents.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Whether a reply carries the query's question name byte for byte (up to case), so patchReply may copy it in. */
export function sameQuestion(reply: Buffer, msg: Buffer): boolean {
  const end = questionNameEnd(msg);
  return end > 0 && reply.length >= end && reply.toString('latin1', HEADER, end).toLowerCase() === msg.toString('latin1', HEADER, end).toLowerCase();
}

/** The reply for `msg` from stored bytes: the asker's ID and question case patched into a copy. */
export function patchReply(stored: Buffer, msg: Buffer): Buffer {
  const out = Buffer.allocUnsafe(stored.length);
  stored.copy(out);
  out[0] = msg[0];
  out[1] = msg[1];
  // The question is the first thing after the header in both, with the same length.
  msg.copy(out, HEADER, HEADER, questionNameEnd(msg));
  return out;
}
