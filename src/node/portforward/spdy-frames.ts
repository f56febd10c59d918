// SPDY/3.1 framing (the protocol kubectl's port-forward speaks, through moby/spdystream): a
// pure decoder of frames from a byte buffer and encoders of the frames a server sends. Header
// blocks are compressed by the client with zlib and the spec's dictionary, over one zlib stream
// per direction; we send ours as zlib "stored" blocks, which need no compression state and are
// valid anywhere in such a stream. spdystream implements no flow control, so neither do we:
// WINDOW_UPDATE and SETTINGS are read and ignored.

export const FRAME = {
  synStream: 1,
  synReply: 2,
  rstStream: 3,
  settings: 4,
  ping: 6,
  goAway: 7,
  headers: 8,
  windowUpdate: 9,
} as const;

export const FLAG_FIN = 0x01;
export const RST = { protocolError: 1, cancel: 5 } as const;

const VERSION = 3;
const HEADER_BYTES = 8;
/** The largest DATA payload a frame carries (a 24-bit length). */
export const MAX_DATA = 0xffffff;

export type Frame =
  | { kind: 'data'; streamId: number; flags: number; data: Buffer }
  | { kind: 'control'; type: number; flags: number; payload: Buffer };

/** Splits off the complete frames at the start of `buf`; returns them and the unused rest. */
export function decodeFrames(buf: Buffer): { frames: Frame[]; rest: Buffer } {
  const frames: Frame[] = [];
  let at = 0;
  while (buf.length - at >= HEADER_BYTES) {
    const word = buf.readUInt32BE(at);
    const flags = buf[at + 4];
    const length = buf.readUIntBE(at + 5, 3);
    if (buf.length - at < HEADER_BYTES + length) break;
    const body = buf.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length);
    if (word & 0x80000000) frames.push({ kind: 'control', type: word & 0xffff, flags, payload: body });
    else frames.push({ kind: 'data', streamId: word & 0x7fffffff, flags, data: body });
    at += HEADER_BYTES + length;
  }
  return { frames, rest: buf.subarray(at) };
}

function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(HEADER_BYTES);
  head.writeUInt32BE((0x8000 | VERSION) * 0x10000 + type);
  head[4] = flags;
  head.writeUIntBE(payload.length, 5, 3);
  return Buffer.concat([head, payload]);
}

export function dataFrame(streamId: number, data: Buffer, fin = false): Buffer {
  const head = Buffer.alloc(HEADER_BYTES);
  head.writeUInt32BE(streamId & 0x7fffffff);
  head[4] = fin ? FLAG_FIN : 0;
  head.writeUIntBE(data.length, 5, 3);
  return Buffer.concat([head, data]);
}

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

/** A name/value header block, uncompressed: count, then length-prefixed names and values
 *  (several values of one name joined by NUL). Names are lower case, as SPDY requires. */
export function encodeHeaderBlock(headers: Record<string, string>): Buffer {
  const parts = [u32(Object.keys(headers).length)];
  for (const [name, value] of Object.entries(headers)) {
    for (const s of [name.toLowerCase(), value]) parts.push(u32(Buffer.byteLength(s)), Buffer.from(s));
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(block: Buffer): Record<string, string> {
  const headers: Record<string, string> = {};
  const count = block.readUInt32BE(0);
  let at = 4;
  const next = (): string => {
    const len = block.readUInt32BE(at);
    const s = block.toString('utf8', at + 4, at + 4 + len);
    at += 4 + len;
    return s;
  };
  for (let i = 0; i < count; i++) {
    const name = next();
    headers[name] = next();
  }
  return headers;
}

/** zlib's header for a stream at the default level without a preset dictionary. */
const ZLIB_HEADER = Buffer.from([0x78, 0x01]);

/** BFINAL 0, BTYPE 00 (stored), padded to the byte; then LEN, its one's complement, the bytes. */
function storedBlock(raw: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt16LE(raw.length, 1);
  head.writeUInt16LE(~raw.length & 0xffff, 3);
  return Buffer.concat([head, raw]);
}

/** Writes header blocks as one zlib stream of stored (uncompressed) deflate blocks. */
export class StoredZlibWriter {
  private started = false;

  /** The next piece of the stream, carrying `raw` (at most 65535 bytes, ample for headers). It
   *  ends with an empty stored block, as zlib's Z_SYNC_FLUSH does: Go's inflater hands out a
   *  block's bytes only when it meets the next block header, which must be in this frame. */
  next(raw: Buffer): Buffer {
    const piece = Buffer.concat([this.started ? Buffer.alloc(0) : ZLIB_HEADER, storedBlock(raw), storedBlock(Buffer.alloc(0))]);
    this.started = true;
    return piece;
  }
}

export function synReply(streamId: number, compressedHeaders: Buffer, fin = false): Buffer {
  return controlFrame(FRAME.synReply, fin ? FLAG_FIN : 0, Buffer.concat([u32(streamId & 0x7fffffff), compressedHeaders]));
}

export function rstStream(streamId: number, status: number): Buffer {
  return controlFrame(FRAME.rstStream, 0, Buffer.concat([u32(streamId), u32(status)]));
}

export function ping(id: number): Buffer {
  return controlFrame(FRAME.ping, 0, u32(id));
}

export function goAway(lastGoodStreamId: number): Buffer {
  return controlFrame(FRAME.goAway, 0, Buffer.concat([u32(lastGoodStreamId), u32(0)]));
}

/** The stream id a SYN_STREAM, SYN_REPLY, RST_STREAM or HEADERS payload starts with. */
export const streamIdOf = (payload: Buffer): number => payload.readUInt32BE(0) & 0x7fffffff;

/** The words and text the SPDY/3 draft's header dictionary is made of: each word is prefixed
 *  with its 4-byte length, the tail follows as is (1423 bytes in all). */
const DICTIONARY_WORDS = [
  'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding', 'accept-language',
  'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection', 'content-base', 'content-encoding',
  'content-language', 'content-length', 'content-location', 'content-md5', 'content-range', 'content-type', 'date', 'etag',
  'expect', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since',
  'last-modified', 'location', 'max-forwards', 'pragma', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer',
  'retry-after', 'server', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via', 'warning',
  'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1', 'url', 'public', 'set-cookie', 'keep-alive', 'origin',
];
const DICTIONARY_TAIL =
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505203 Non-Authoritative ' +
  'Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized403 Forbidden404 Not Found500 Internal ' +
  'Server Error501 Not Implemented503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, ' +
  'Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,' +
  'text/plain,text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

export const HEADER_DICTIONARY = Buffer.concat([
  ...DICTIONARY_WORDS.flatMap((w) => [u32(w.length), Buffer.from(w, 'latin1')]),
  Buffer.from(DICTIONARY_TAIL, 'latin1'),
]);
