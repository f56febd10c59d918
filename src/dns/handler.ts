// One DNS message in, one reply out: the thin handler. Cluster-zone questions are answered by
// records.ts from the cache; the rest goes upstream; CNAME targets outside the zone are
// chased upstream too. Transports (server.ts, udp-workers.ts) only move bytes.
//
// Replies are kept as wire bytes (reply-cache.ts): a repeated question, negative or not, is
// answered by stored() without decoding anything, and counted in batches (a hit allocates
// nothing; the duration histogram times computed replies). A miss reads only the header, the
// question and OPT (query.ts). A cluster reply records what it read from the cluster view and
// is dropped when exactly that changes (and expires only when it carries the SOA, whose serial
// moves with any change); forwarded ones live a second at most, so their TTLs are never more
// than 1 s stale.

import type { Backend } from './cache.js';
import type { DnsMetrics } from './metrics.js';
import { answer, type Question, type RecordsConfig, type Reply } from './records.js';
import { emptyQuery, readQuery } from './query.js';
import { ReplyCache, replyKey, REPLY_CACHE_SIZE, sameQuestion } from './reply-cache.js';
import type { Upstream } from './upstream.js';
import { encodeReply, errorReply, TCP_MAX_SIZE, udpLimit } from './wire.js';

const OPCODE_QUERY = 0;
/** Query types counted by name; any other is `other`, so odd queries cannot grow the metrics. */
const COUNTED_TYPES = new Set(['A', 'AAAA', 'ANY', 'CNAME', 'MX', 'NS', 'PTR', 'SOA', 'SRV', 'TXT', 'unknown']);

const FORWARDED_REPLY_SECONDS = 1;

export type Transport = 'udp' | 'tcp';

/** How a reply is counted: by query type, rcode and where the answer came from. */
export interface ReplyLabel {
  type: string;
  rcode: string;
  source: 'cluster' | 'upstream' | 'error';
}

/** A computed reply and, when it may be reused, the cache entry it became. */
export interface Computed {
  bytes: Buffer;
  label: ReplyLabel;
  stored?: { key: string; expires: number };
}

/** Hits on one stored reply not yet added to the metrics. */
export interface Served {
  label: ReplyLabel;
  n: number;
}

export class Handler {
  private readonly replies = new ReplyCache<Served>(REPLY_CACHE_SIZE);
  private readonly droppedListeners: ((keys: string[]) => void)[] = [];
  /** Stored replies served since the metrics last looked (the transport is in the cache key: one Served per entry). */
  private readonly served = new Map<Served, Transport>();

  constructor(
    private readonly backend: Backend,
    private readonly config: RecordsConfig,
    private readonly upstream: Upstream,
    private readonly metrics: DnsMetrics,
  ) {
    metrics.replyCacheSize = () => this.replies.size;
    metrics.beforeCollect = () => this.flushServed();
  }

  /** Drops the replies computed from these parts of the cluster view (DnsCache.onChange). */
  invalidate(deps: Iterable<string>): void {
    this.dropped(this.replies.invalidate(deps));
  }

  /** Drops every cached reply (the zone's own configuration changed). */
  clear(): void {
    this.replies.clear();
    this.dropped(['*']);
  }

  /** Calls fn with the keys of dropped replies (`*`: all), for caches that mirror this one. */
  onDropped(fn: (keys: string[]) => void): void {
    this.droppedListeners.push(fn);
  }

  /** The stored reply for msg, synchronously, or undefined: then call compute(). The caller
   *  patches the asker's ID and question case in (reply-cache.ts patchReply / patchInPlace). */
  stored(msg: Buffer, transport: Transport): Buffer | undefined {
    const hit = this.replies.lookup(msg, transport);
    if (hit === undefined) return undefined;
    if (hit.label.n++ === 0) {
      if (this.served.size >= REPLY_CACHE_SIZE) this.flushServed(); // evicted entries stay here until flushed: bound them
      this.served.set(hit.label, transport);
    }
    return hit.bytes;
  }

  /** The reply computed afresh (and cached when it may be reused); undefined when the message
   *  deserves none (not a query, or too short). */
  async compute(msg: Buffer, transport: Transport): Promise<Computed | undefined> {
    const start = performance.now();
    const query = emptyQuery();
    const read = readQuery(msg, query);
    if (read === 'short' || query.response) {
      this.metrics.dropped.inc({ reason: read === 'short' ? 'short' : 'response' });
      return undefined;
    }
    const fail = (rcode: Parameters<typeof errorReply>[1], type = 'unknown'): Computed =>
      this.count({ bytes: errorReply(query, rcode), label: { type, rcode, source: 'error' } }, transport, start);
    if (read === 'formerr') return fail('FORMERR');
    if (query.opcode !== OPCODE_QUERY) return fail('NOTIMP');
    if (query.ednsVersion > 0) return fail('BADVERS', query.type);

    const q: Question = { name: query.name, type: query.type };
    const maxSize = transport === 'udp' ? udpLimit(query) : TCP_MAX_SIZE;
    const deps = new Set<string>();
    const local = answer(recording(this.backend, deps), q, this.config);
    let reply: Reply;
    if (local) reply = local.chase ? await this.chase(local, q) : local;
    else reply = await this.forward(q);
    // As CoreDNS: authoritative for the zone, and no recursion offered there (dig warns
    // "recursion requested but not available"); forwarded replies offer it.
    const bytes = encodeReply(query, reply, { authoritative: local !== undefined, recursionAvailable: !local, maxSize });
    const label: ReplyLabel = { type: q.type, rcode: reply.rcode, source: local ? 'cluster' : 'upstream' };
    const computed = this.count({ bytes, label }, transport, start);
    const key = replyKey(msg, transport);
    if (key !== undefined && (reply.rcode === 'NOERROR' || reply.rcode === 'NXDOMAIN') && sameQuestion(bytes, msg)) {
      const expires = local && !local.chase && !carriesSoa(reply) ? Infinity : Date.now() + (local && !local.chase ? this.config.ttl : FORWARDED_REPLY_SECONDS) * 1000;
      this.replies.set(key, { bytes, expires, deps: [...deps], label: { label, n: 0 } });
      computed.stored = { key, expires };
    }
    return computed;
  }

  /** Counts replies served from stored bytes: batched here, or by worker processes from their mirror. */
  countServed(label: ReplyLabel, transport: Transport, n: number): void {
    this.metrics.responses.inc(this.responseLabels(label, transport), n);
    if (label.source === 'upstream') {
      this.metrics.forwarded.inc(n);
      this.metrics.cacheHits.inc(n);
    }
  }

  /** An ExternalName's CNAME, followed by what upstream answers for its target. */
  private async chase(local: Reply, q: Question): Promise<Reply> {
    const target = await this.forward({ name: local.chase!, type: q.type });
    return { ...local, chase: undefined, answers: [...local.answers, ...target.answers] };
  }

  private async forward(q: Question): Promise<Reply> {
    this.metrics.forwarded.inc();
    const r = await this.upstream.resolve(q);
    (r.cached ? this.metrics.cacheHits : this.metrics.cacheMisses).inc();
    return r;
  }

  private count(c: Computed, transport: Transport, start: number): Computed {
    this.metrics.responses.inc(this.responseLabels(c.label, transport));
    this.metrics.duration.observe({ source: c.label.source }, (performance.now() - start) / 1e3);
    return c;
  }

  private flushServed(): void {
    for (const [s, transport] of this.served) {
      this.countServed(s.label, transport, s.n);
      s.n = 0;
    }
    this.served.clear();
  }

  private responseLabels(label: ReplyLabel, proto: Transport): { type: string; rcode: string; proto: Transport } {
    return { type: COUNTED_TYPES.has(label.type) ? label.type : 'other', rcode: label.rcode, proto };
  }

  private dropped(keys: string[]): void {
    if (keys.length) for (const fn of this.droppedListeners) fn(keys);
  }
}

/** Whether the reply holds the SOA, whose serial moves with every change of the cluster view: those
 *  expire after the TTL. Every other zone reply is computed only from what it recorded, so it is
 *  kept until that changes (or it is evicted): no wave of misses every TTL for the names in use. */
function carriesSoa(r: Reply): boolean {
  return r.authorities.length > 0 || r.answers.some((a) => a.type === 'SOA');
}

/** The backend, noting what each lookup read (the dependency names DnsCache reports on change). */
function recording(b: Backend, deps: Set<string>): Backend {
  return {
    hasSynced: () => b.hasSynced(),
    serial: () => b.serial(),
    namespaceExists: (ns) => (deps.add(`ns:${ns}`), b.namespaceExists(ns)),
    service: (ns, name) => (deps.add(`svc:${ns}/${name}`), b.service(ns, name)),
    slices: (ns, svc) => (deps.add(`svc:${ns}/${svc}`), b.slices(ns, svc)),
    servicesByIP: (ip) => (deps.add(`ip:${ip}`), b.servicesByIP(ip)),
  };
}
