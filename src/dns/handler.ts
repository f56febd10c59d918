// One DNS message in, one reply out: the thin handler. Cluster-zone questions are answered by
// records.ts from the cache; the rest goes upstream; CNAME targets outside the zone are
// chased upstream too. Transports (server.ts) only move bytes.

import dnsPacket, { type DecodedPacket } from 'dns-packet';
import type { Backend } from './cache.js';
import type { DnsMetrics } from './metrics.js';
import { answer, type Question, type RecordsConfig, type Reply } from './records.js';
import type { Upstream } from './upstream.js';
import { ednsOf, encodeReply, errorReply, readHeader, TCP_MAX_SIZE, udpLimit } from './wire.js';

const OPCODE_QUERY = 0;
/** Query types counted by name; any other is `other`, so odd queries cannot grow the metrics. */
const COUNTED_TYPES = new Set(['A', 'AAAA', 'ANY', 'CNAME', 'MX', 'NS', 'PTR', 'SOA', 'SRV', 'TXT', 'unknown']);

export type Transport = 'udp' | 'tcp';

export class Handler {
  constructor(
    private readonly backend: Backend,
    private readonly config: RecordsConfig,
    private readonly upstream: Upstream,
    private readonly metrics: DnsMetrics,
  ) {}

  /** The reply's bytes, or undefined when the message deserves none (not a query, or too short). */
  async handle(msg: Buffer, transport: Transport): Promise<Buffer | undefined> {
    const start = process.hrtime.bigint();
    const h = readHeader(msg);
    if (!h || h.response) {
      this.metrics.dropped.inc({ reason: h ? 'response' : 'short' });
      return undefined;
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
