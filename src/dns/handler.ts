// One DNS message in, one reply out: the thin handler. Cluster-zone questions are answered by
// records.ts from the cache; the rest goes upstream; CNAME targets outside the zone are
// chased upstream too. Transports (server.ts) only move bytes.
//
// Replies are also kept as bytes, keyed by the query's bytes after its ID (so the question's
// case, EDNS0 and the transport's size limit are part of the key): a repeated question costs a
// lookup and a copy. Cluster replies live for their TTL and all go when the cluster view
// changes; forwarded ones for a second at most, so their TTLs are never more than 1 s stale.

import dnsPacket, { type DecodedPacket } from 'dns-packet';
import type { Backend } from './cache.js';
import type { DnsMetrics } from './metrics.js';
import { answer, type Question, type RecordsConfig, type Reply } from './records.js';
import { TtlCache } from './ttl-cache.js';
import type { Upstream } from './upstream.js';
import { ednsOf, encodeReply, errorReply, readHeader, TCP_MAX_SIZE, udpLimit } from './wire.js';

const OPCODE_QUERY = 0;
/** Query types counted by name; any other is `other`, so odd queries cannot grow the metrics. */
const COUNTED_TYPES = new Set(['A', 'AAAA', 'ANY', 'CNAME', 'MX', 'NS', 'PTR', 'SOA', 'SRV', 'TXT', 'unknown']);

const REPLY_CACHE_SIZE = 10_000;
const FORWARDED_REPLY_SECONDS = 1;
/** Larger queries (TCP allows 64 KiB) are answered but not cached: keys stay small. */
const MAX_CACHED_QUERY = 512;

export type Transport = 'udp' | 'tcp';

interface CachedReply {
  bytes: Buffer;
  type: string;
  rcode: string;
  source: string;
}

export class Handler {
  private readonly replies = new TtlCache<CachedReply>(REPLY_CACHE_SIZE);

  constructor(
    private readonly backend: Backend,
    private readonly config: RecordsConfig,
    private readonly upstream: Upstream,
    private readonly metrics: DnsMetrics,
  ) {}

  /** Forgets every cached reply; call on each change of the cluster view. */
  clusterChanged(): void {
    this.replies.clear();
  }

  /** The reply's bytes, or undefined when the message deserves none (not a query, or too short). */
  async handle(msg: Buffer, transport: Transport): Promise<Buffer | undefined> {
    const start = process.hrtime.bigint();
    const h = readHeader(msg);
    if (!h || h.response) {
      this.metrics.dropped.inc({ reason: h ? 'response' : 'short' });
      return undefined;
    }
    const key = msg.length <= MAX_CACHED_QUERY ? `${transport}${msg.toString('latin1', 2)}` : undefined;
    const hit = key === undefined ? undefined : this.replies.get(key)?.value;
    if (hit) {
      const bytes = Buffer.from(hit.bytes);
      bytes.writeUInt16BE(h.id, 0);
      if (hit.source === 'upstream') {
        this.metrics.forwarded.inc();
        this.metrics.cacheHits.inc();
      }
      return this.done(bytes, hit.type, hit.rcode, transport, hit.source, start);
    }
    let query: DecodedPacket;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return this.done(errorReply(h, 'FORMERR'), 'unknown', 'FORMERR', transport, 'error', start);
    }
    if (h.opcode !== OPCODE_QUERY) return this.done(errorReply(h, 'NOTIMP'), 'unknown', 'NOTIMP', transport, 'error', start);
    const question = query.questions?.length === 1 ? query.questions[0] : undefined;
    if (!question) return this.done(errorReply(h, 'FORMERR'), 'unknown', 'FORMERR', transport, 'error', start);
    if ((ednsOf(query)?.ednsVersion ?? 0) > 0) return this.done(errorReply(h, 'BADVERS'), question.type, 'BADVERS', transport, 'error', start);

    const q: Question = { name: question.name, type: question.type };
    const maxSize = transport === 'udp' ? udpLimit(query) : TCP_MAX_SIZE;
    const local = answer(this.backend, q, this.config);
    let reply: Reply;
    let source: string;
    if (local) {
      reply = local.chase ? await this.chase(local, q) : local;
      source = 'cluster';
    } else {
      reply = await this.forward(q);
      source = 'upstream';
    }
    const bytes = encodeReply(h, query, reply, { authoritative: local !== undefined, maxSize });
    if (key !== undefined && (reply.rcode === 'NOERROR' || reply.rcode === 'NXDOMAIN')) {
      const seconds = local && !local.chase ? this.config.ttl : FORWARDED_REPLY_SECONDS;
      this.replies.set(key, { bytes, type: q.type, rcode: reply.rcode, source }, seconds);
    }
    return this.done(bytes, q.type, reply.rcode, transport, source, start);
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

  private done(bytes: Buffer, type: string, rcode: string, proto: Transport, source: string, start: bigint): Buffer {
    this.metrics.responses.inc({ type: COUNTED_TYPES.has(type) ? type : 'other', rcode, proto });
    this.metrics.duration.observe({ source }, Number(process.hrtime.bigint() - start) / 1e9);
    return bytes;
  }
}
