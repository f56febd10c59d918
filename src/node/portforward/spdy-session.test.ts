// A SPDY client built here from the spec (zlib with the dictionary, over one stream per
// direction, as Go's framer writes) against SpdySession over a real TCP connection.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import zlib from 'node:zlib';
import { dataFrame, decodeFrames, decodeHeaderBlock, encodeHeaderBlock, FLAG_FIN, FRAME, HEADER_DICTIONARY, ping, type Frame } from './spdy-frames.js';
import { SpdySession } from './spdy-session.js';
import { eventually } from '../../../test/support/eventually.js';

/** The client's header compressor: one deflate stream, flushed per block. */
function compressor(): (h: Record<string, string>) => Promise<Buffer> {
  const deflate = zlib.createDeflate({ dictionary: HEADER_DICTIONARY, level: 9 });
  return async (h) => {
    deflate.write(encodeHeaderBlock(h));
    await new Promise<void>((r) => deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => r()));
    return deflate.read() as Buffer;
  };
}

function synStream(id: number, block: Buffer, flags = 0): Buffer {
  const head = Buffer.alloc(18);
  head.writeUInt32BE(0x80030000 + FRAME.synStream);
  head[4] = flags;
  head.writeUIntBE(10 + block.length, 5, 3);
  head.writeUInt32BE(id, 8);
  return Buffer.concat([head, block]);
}

describe('SpdySession', () => {
  it('answers streams with SYN_REPLY, carries data both ways, ends them, echoes pings', async () => {
    const server = net.createServer((socket) => {
      void new SpdySession(socket, { onStream: (s) => s.pipe(s) }).run();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    const frames: Frame[] = [];
    let pending = Buffer.alloc(0);
    client.on('data', (d: Buffer) => {
      const { frames: got, rest } = decodeFrames(Buffer.concat([pending, d]));
      frames.push(...got);
      pending = Buffer.from(rest);
    });
    const compress = compressor();
    client.write(synStream(1, await compress({ streamtype: 'data', port: '80', requestid: '0' })));
    client.write(synStream(3, await compress({ streamtype: 'data', port: '80', requestid: '1' })));
    client.write(dataFrame(1, Buffer.from('one')));
    client.write(dataFrame(3, Buffer.from('three'), true));
    client.write(dataFrame(1, Buffer.alloc(0), true));
    client.write(ping(7));
    const fins = (): Frame[] => frames.filter((f) => f.kind === 'data' && f.flags & FLAG_FIN);
    await eventually(() => fins().length === 2 && frames.some((f) => f.kind === 'control' && f.type === FRAME.ping), 2_000, 'both FINs and the ping');

    // Both replies decode as one zlib stream, without the dictionary (stored blocks).
    const replies = frames.filter((f): f is Extract<Frame, { kind: 'control' }> => f.kind === 'control' && f.type === FRAME.synReply);
    assert.deepEqual(replies.map((r) => r.payload.readUInt32BE(0)), [1, 3]);
    const inflate = zlib.createInflate();
    for (const r of replies) {
      inflate.write(r.payload.subarray(4));
      await new Promise<void>((ok) => inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => ok()));
      assert.deepEqual(decodeHeaderBlock(inflate.read() as Buffer), {});
    }
    const body = (id: number): string =>
      Buffer.concat(frames.flatMap((f) => (f.kind === 'data' && f.streamId === id ? [f.data] : []))).toString();
    assert.equal(body(1), 'one');
    assert.equal(body(3), 'three');
    assert.ok(frames.some((f) => f.kind === 'control' && f.type === FRAME.ping && f.payload.readUInt32BE(0) === 7));
    client.destroy();
    server.close();
  });

  it('builds the 1423-byte header dictionary of the SPDY/3 draft', () => {
    assert.equal(HEADER_DICTIONARY.length, 1423);
    assert.equal(HEADER_DICTIONARY.subarray(0, 11).toString('latin1'), '\x00\x00\x00\x07options');
    assert.equal(HEADER_DICTIONARY.subarray(-6).toString('latin1'), 'enq=0.');
  });
});
