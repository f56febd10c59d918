// The server side of a SPDY/3.1 session over any byte stream (a TLS socket after an HTTP
// upgrade, or a WebSocket tunnel): the client opens streams, each becomes a Duplex here. Frames
// are read in order, one at a time; a stream whose reader is behind pauses the whole session,
// as spdystream's unbuffered stream channels do, so memory stays bounded without flow control.

import { Duplex } from 'node:stream';
import zlib from 'node:zlib';
import {
  decodeFrames,
  decodeHeaderBlock,
  encodeHeaderBlock,
  dataFrame,
  FLAG_FIN,
  FRAME,
  HEADER_DICTIONARY,
  MAX_DATA,
  ping,
  rstStream,
  RST,
  StoredZlibWriter,
  streamIdOf,
  synReply,
  type Frame,
} from './spdy-frames.js';

/** One zlib stream of the peer's header blocks (they share one compression context). */
class HeaderInflater {
  private readonly inflate = zlib.createInflate({ dictionary: HEADER_DICTIONARY });

  async headers(block: Buffer): Promise<Record<string, string>> {
    this.inflate.write(block);
    await new Promise<void>((resolve) => this.inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
    // Paused mode: everything the flush produced is buffered and read at once.
    return decodeHeaderBlock((this.inflate.read() as Buffer | null) ?? Buffer.alloc(0));
  }

  close(): void {
    this.inflate.close();
  }
}

export class SpdyStream extends Duplex {
  private wake?: () => void;

  constructor(
    readonly id: number,
    readonly headers: Record<string, string>,
    private readonly session: SpdySession,
  ) {
    super({ allowHalfOpen: true });
  }

  /** Data from the peer; resolves when this stream can take more. */
  deliver(data: Buffer): Promise<void> | undefined {
    if (this.push(data)) return undefined;
    return new Promise<void>((resolve) => (this.wake = resolve));
  }

  override _read(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    for (let at = 0; at < chunk.length; at += MAX_DATA) this.session.send(dataFrame(this.id, chunk.subarray(at, at + MAX_DATA)), done, at + MAX_DATA >= chunk.length);
  }

  override _final(done: (e?: Error | null) => void): void {
    this.session.send(dataFrame(this.id, Buffer.alloc(0), true), done, true);
  }

  override _destroy(err: Error | null, done: (e?: Error | null) => void): void {
    this.wake?.();
    this.session.forget(this, err !== null);
    done(err);
  }
}

export interface SpdySessionEvents {
  /** A stream the client opened, already answered with a SYN_REPLY. */
  onStream(stream: SpdyStream): void;
}

export class SpdySession {
  private readonly streams = new Map<number, SpdyStream>();
  private readonly inflater = new HeaderInflater();
  private readonly deflater = new StoredZlibWriter();
  private lastStreamId = 0;

  constructor(
    private readonly socket: Duplex,
    private readonly events: SpdySessionEvents,
  ) {}

  /** Reads frames until the connection ends; then every stream ends with it. */
  async run(): Promise<void> {
    // A failure ends the loop below; a late one (a write after the peer left) is no news.
    this.socket.on('error', () => {});
    let pending = Buffer.alloc(0);
    try {
      for await (const chunk of this.socket as AsyncIterable<Buffer>) {
        const { frames, rest } = decodeFrames(pending.length ? Buffer.concat([pending, chunk]) : chunk);
        pending = Buffer.from(rest);
        for (const frame of frames) await this.handle(frame);
      }
    } catch {
      // A reset connection ends the session as an orderly close does.
    } finally {
      this.close();
    }
  }

  close(): void {
    for (const s of this.streams.values()) s.destroy();
    this.inflater.close();
    this.socket.destroy();
  }

  /** Writes a frame; `done` (when `last`) runs once the socket can take more. Once the
   *  connection is gone frames are dropped: its streams are being destroyed with it. */
  send(frame: Buffer, done: (e?: Error | null) => void, last: boolean): void {
    if (this.socket.destroyed) return last ? done() : undefined;
    const ok = this.socket.write(frame);
    if (!last) return;
    if (ok) done();
    else this.socket.once('drain', () => done());
  }

  /** A stream that ended or failed leaves the session; a failed one is reset. */
  forget(stream: SpdyStream, reset: boolean): void {
    if (this.streams.get(stream.id) !== stream) return;
    this.streams.delete(stream.id);
    if (reset && !this.socket.destroyed) this.socket.write(rstStream(stream.id, RST.cancel));
  }

  private async handle(frame: Frame): Promise<void> {
    if (frame.kind === 'data') {
      const stream = this.streams.get(frame.streamId);
      if (!stream) return;
      if (frame.data.length) await stream.deliver(Buffer.from(frame.data));
      if (frame.flags & FLAG_FIN) stream.push(null);
      return;
    }
    const { type, payload, flags } = frame;
    switch (type) {
      case FRAME.synStream: {
        // stream id, associated id, priority and slot come before the header block.
        const id = streamIdOf(payload);
        const headers = await this.inflater.headers(payload.subarray(10));
        if (id <= this.lastStreamId || id % 2 === 0) return void this.socket.write(rstStream(id, RST.protocolError));
        this.lastStreamId = id;
        const stream = new SpdyStream(id, headers, this);
        this.streams.set(id, stream);
        this.socket.write(synReply(id, this.deflater.next(encodeHeaderBlock({}))));
        if (flags & FLAG_FIN) stream.push(null);
        this.events.onStream(stream);
        return;
      }
      case FRAME.headers: {
        await this.inflater.headers(payload.subarray(4));
        if (flags & FLAG_FIN) this.streams.get(streamIdOf(payload))?.push(null);
        return;
      }
      case FRAME.rstStream:
        this.streams.get(streamIdOf(payload))?.destroy();
        return;
      case FRAME.ping:
        // The client's pings (odd ids) are echoed; ours it would echo, and we send none.
        if (payload.readUInt32BE(0) % 2 === 1) this.socket.write(ping(payload.readUInt32BE(0)));
        return;
      case FRAME.goAway:
        // The client is done: no new streams; the open ones end as their connections do.
        return;
      default:
        // SETTINGS and WINDOW_UPDATE: spdystream does no flow control, nor do we.
        return;
    }
  }
}
