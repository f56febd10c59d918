// The DNS wire format around dns-packet: replies with the right flags, EDNS0 sizes and
// truncation (RFC 1035 4.2.1, RFC 6891, RFC 2181 9). Queries are read by query.ts.

import dnsPacket, { type Answer } from 'dns-packet';
import type { Query } from './query.js';
import type { Rcode, Reply } from './records.js';

/** Without EDNS0 a UDP reply is at most 512 bytes (RFC 1035). */
export const UDP_MIN_SIZE = 512;
/** The largest UDP reply we send, whatever the client offers (DNS flag day 2020 advises 1232; on loopback fragmentation is moot). */
export const UDP_MAX_SIZE = 4096;
export const TCP_MAX_SIZE = 65535;

const RCODES: Record<Rcode, number> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };
const BADVERS = 16;
const OPCODE_SHIFT = 11;

/** What a reply takes from the query's header. */
export type Header = Pick<Query, 'id' | 'opcode' | 'recursionDesired'>;

/** How large a UDP reply may be: the EDNS0 payload size offered, within [512, 4096]. */
export function udpLimit(query: Query): number {
  return query.edns ? Math.min(Math.max(query.udpPayloadSize, UDP_MIN_SIZE), UDP_MAX_SIZE) : UDP_MIN_SIZE;
}

export interface EncodeOptions {
  /** Set AA: the answer comes from our zone. */
  authoritative: boolean;
  /** Set RA: we recurse for this name (forwarded ones). */
  recursionAvailable: boolean;
  /** The largest message the transport carries for this client. */
  maxSize: number;
}

/** Encodes a reply to `query`; when it is larger than maxSize, sends what fits with TC set. */
export function encodeReply(query: Query, reply: Reply, o: EncodeOptions): Buffer {
  const optRR: Answer[] = query.edns ? [{ name: '.', type: 'OPT', udpPayloadSize: UDP_MAX_SIZE, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] : [];
  let flags = (query.opcode << OPCODE_SHIFT) | RCODES[reply.rcode];
  if (query.recursionDesired) flags |= dnsPacket.RECURSION_DESIRED;
  if (o.recursionAvailable) flags |= dnsPacket.RECURSION_AVAILABLE;
  if (o.authoritative) flags |= dnsPacket.AUTHORITATIVE_ANSWER;
  const packet = {
    type: 'response' as const,
    id: query.id,
    flags,
    questions: [{ name: query.name, type: query.type as 'A', class: query.qclass as 'IN' }],
    answers: reply.answers,
    authorities: reply.authorities,
    additionals: [...reply.additionals, ...optRR],
  };
  const full = dnsPacket.encode(packet);
  if (full.length <= o.maxSize) return full;
  // Truncated: the OPT record stays; then as many answers as fit, whole records only.
  const truncated = { ...packet, flags: flags | dnsPacket.TRUNCATED_RESPONSE, authorities: [], additionals: optRR, answers: [] as Answer[] };
  let lo = 0;
  let hi = reply.answers.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (dnsPacket.encodingLength({ ...truncated, answers: reply.answers.slice(0, mid) }) <= o.maxSize) lo = mid;
    else hi = mid - 1;
  }
  return dnsPacket.encode({ ...truncated, answers: reply.answers.slice(0, lo) });
}

/** A reply carrying only an error code (FORMERR, NOTIMP, BADVERS, ...), without the question. */
export function errorReply(h: Header, rcode: Rcode | 'BADVERS'): Buffer {
  const badvers = rcode === 'BADVERS';
  let flags = (h.opcode << OPCODE_SHIFT) | dnsPacket.RECURSION_AVAILABLE | (badvers ? 0 : RCODES[rcode]);
  if (h.recursionDesired) flags |= dnsPacket.RECURSION_DESIRED;
  const additionals: Answer[] = badvers
    ? [{ name: '.', type: 'OPT', udpPayloadSize: UDP_MAX_SIZE, extendedRcode: BADVERS >> 4, ednsVersion: 0, flags: 0, flag_do: false, options: [] }]
    : [];
  return dnsPacket.encode({ type: 'response', id: h.id, flags, additionals });
}
