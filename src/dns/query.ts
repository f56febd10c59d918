// A DNS query read by hand from its bytes: the header, the question and the EDNS0 OPT record,
// nothing decoded that the server does not use. Every record after the question is walked for
// its bounds (a truncated or overlong message is FORMERR, as a full decoder would find it), but
// only OPT is read. The reader fills a caller's object and allocates nothing but the question
// name's string, so it is cheap on every miss; dns-packet stays for building answers.

import { createRequire } from 'node:module';

const HEADER = 12;
const TYPE_OPT = 41;
/** RFC 1035 3.1: a name is at most 255 bytes on the wire. */
const MAX_NAME = 255;

const require = createRequire(import.meta.url);
const typeNames = require('dns-packet/types.js') as { toString(type: number): string };
const classNames = require('dns-packet/classes.js') as { toString(qclass: number): string };

export interface Query {
  id: number;
  /** The header's second 16 bits: QR, opcode, AA, TC, RD, RA, Z, rcode. */
  flags: number;
  opcode: number;
  response: boolean;
  recursionDesired: boolean;
  qdcount: number;
  /** The first question's name as dns-packet spells it ('.' for the root), its type and class. */
  name: string;
  type: string;
  qclass: string;
  /** Where the question's name ends in the message (after its root label or pointer). */
  nameEnd: number;
  /** The OPT record, when there is one: its payload size and version. */
  edns: boolean;
  udpPayloadSize: number;
  ednsVersion: number;
}

export const emptyQuery = (): Query => ({
  id: 0, flags: 0, opcode: 0, response: false, recursionDesired: false, qdcount: 0, name: '', type: '', qclass: '', nameEnd: 0,
  edns: false, udpPayloadSize: 0, ednsVersion: 0,
});

/**
 * Reads `msg` into `q`. 'short': not even a header (no reply is possible); 'formerr': the header
 * is in `q` (so an error reply can be made) but the rest does not parse, or QDCOUNT is not 1.
 */
export function readQuery(msg: Buffer, q: Query): 'ok' | 'short' | 'formerr' {
  if (msg.length < HEADER) return 'short';
  q.id = msg.readUInt16BE(0);
  q.flags = msg.readUInt16BE(2);
  q.response = (q.flags & 0x8000) !== 0;
  q.opcode = (q.flags >> 11) & 0xf;
  q.recursionDesired = (q.flags & 0x0100) !== 0;
  q.qdcount = msg.readUInt16BE(4);
  q.edns = false;
  q.udpPayloadSize = 0;
  q.ednsVersion = 0;
  if (q.qdcount !== 1) return 'formerr';
  const records = msg.readUInt16BE(6) + msg.readUInt16BE(8) + msg.readUInt16BE(10);
  const additionalFrom = msg.readUInt16BE(6) + msg.readUInt16BE(8);

  const nameEnd = skipName(msg, HEADER);
  if (nameEnd < 0 || nameEnd + 4 > msg.length) return 'formerr';
  q.nameEnd = nameEnd;
  q.type = typeNames.toString(msg.readUInt16BE(nameEnd));
  q.qclass = classNames.toString(msg.readUInt16BE(nameEnd + 2));
  const name = decodeName(msg, HEADER);
  if (name === undefined) return 'formerr';
  q.name = name;

  let at = nameEnd + 4;
  for (let r = 0; r < records; r++) {
    at = skipName(msg, at);
    if (at < 0 || at + 10 > msg.length) return 'formerr';
    const type = msg.readUInt16BE(at);
    const end = at + 10 + msg.readUInt16BE(at + 8);
    if (end > msg.length) return 'formerr';
    if (type === TYPE_OPT && r >= additionalFrom) {
      if (q.edns) return 'formerr'; // RFC 6891 6.1.1: more than one OPT
      q.edns = true;
      q.udpPayloadSize = msg.readUInt16BE(at + 2);
      q.ednsVersion = msg[at + 5];
    }
    at = end;
  }
  return 'ok';
}

/** Where the name at `at` ends (after its root label or its pointer), or -1 when it runs past the message. */
export function skipName(msg: Buffer, at: number): number {
  while (at < msg.length) {
    const len = msg[at];
    if (len === 0) return at + 1;
    if ((len & 0xc0) === 0xc0) return at + 2 <= msg.length ? at + 2 : -1;
    if ((len & 0xc0) !== 0) return -1; // the reserved label types 0x40 and 0x80
    at += 1 + len;
  }
  return -1;
}

/**
 * The name at `at` as dns-packet decodes it, following compression pointers only backwards
 * (so a loop cannot form); undefined when it is malformed or longer than 255 bytes.
 */
function decodeName(msg: Buffer, at: number): string | undefined {
  let name = '';
  let total = 0;
  let limit = at; // a pointer must point before where the previous one was read from
  while (at < msg.length) {
    const len = msg[at];
    if (len === 0) return name === '' ? '.' : name;
    if ((len & 0xc0) === 0xc0) {
      if (at + 2 > msg.length) return undefined;
      const to = msg.readUInt16BE(at) & 0x3fff;
      if (to >= limit) return undefined;
      at = limit = to;
      continue;
    }
    if ((len & 0xc0) !== 0 || at + 1 + len > msg.length) return undefined;
    total += len + 1;
    if (total > MAX_NAME - 1) return undefined;
    const label = msg.toString('utf8', at + 1, at + 1 + len);
    name = name === '' ? label : `${name}.${label}`;
    at += 1 + len;
  }
  return undefined;
}
