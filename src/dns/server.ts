// The DNS transports: UDP datagrams, and TCP with a two-byte length before each message
// (RFC 1035 4.2.2), several queries per connection, replies as they are ready (RFC 7766: a
// slow forwarded query does not hold back the cached ones behind it), closed after an idle
// time. A stored reply is sent synchronously, without a promise (over UDP as it is stored, with
// the asker's ID and case written in: udp-socket.ts). Every limit is there so a flood cannot
// grow memory: queries waiting for a reply, connections, bytes buffered per connection.

import type dgram from 'node:dgram';
import net from 'node:net';
import type { Logger } from 'pino';
import type { Handler } from './handler.js';
import type { DnsMetrics } from './metrics.js';
import { patchReply } from './reply-cache.js';
import { DnsUdpSocket, setSocketBuffers } from './udp-socket.js';

export interface ServerOptions {
  address: string;
  port: number;
  handler: Handler;
  metrics: DnsMetrics;
  log: Logger;
  /** False: TCP only (UDP worker processes serve the UDP side, udp-workers.ts). */
  udp?: boolean;
  /** A TCP connection without a query for this long is closed. */
  tcpIdleMs?: number;
  maxTcpConnections?: number;
  /** UDP queries awaiting a reply (forwarded ones wait on upstream) before new ones are dropped. */
  maxPendingUdp?: number;
  /** Queries in progress on one TCP connection before it stops reading. */
  maxPendingPerConnection?: number;
}

/** A TCP frame is at most 2 + 65535 bytes; keep at most two in a connection's buffer. */
const MAX_TCP_BUFFER = 2 * (2 + 65535);

export class DnsServer {
  private readonly udp: DnsUdpSocket | undefined;
  private readonly tcp: net.Server;
  private readonly connections = new Set<net.Socket>();
  private pendingUdp = 0;

  constructor(private readonly o: ServerOptions) {
    if (o.udp !== false) {
      const sender = (this.udp = new DnsUdpSocket(o.address));
      const udp = sender.socket;
      udp.on('message', (msg, from) => this.onDatagram(udp, sender, msg, from));
      udp.on('error', (err) => o.log.warn({ err }, 'DNS UDP socket error'));
    }
    this.tcp = net.createServer((conn) => this.onConnection(conn));
    this.tcp.maxConnections = o.maxTcpConnections ?? 512;
  }

  /** Binds UDP and TCP on the same port (port 0: the system picks one for both); returns it. */
  async listen(): Promise<number> {
    const udp = this.udp?.socket;
    if (udp) {
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(this.o.port, this.o.address, () => (udp.off('error', reject), setSocketBuffers(udp), resolve()));
      });
    }
    try {
      await new Promise<void>((resolve, reject) => {
        this.tcp.once('error', reject);
        this.tcp.listen(udp ? udp.address().port : this.o.port, this.o.address, () => (this.tcp.off('error', reject), resolve()));
      });
    } catch (e) {
      this.udp?.close();
      throw e;
    }
    return (this.tcp.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.destroy();
    const udp = this.udp;
    await Promise.all([
      udp && new Promise<void>((resolve) => udp.close(resolve)),
      new Promise<void>((resolve) => this.tcp.close(() => resolve())),
    ]);
  }

  private onDatagram(udp: dgram.Socket, sender: DnsUdpSocket, msg: Buffer, from: dgram.RemoteInfo): void {
    const stored = this.o.handler.stored(msg, 'udp');
    if (stored) return sender.sendStored(stored, msg, from.port, from.address);
    if (this.pendingUdp >= (this.o.maxPendingUdp ?? 4096)) {
      this.o.metrics.dropped.inc({ reason: 'overload' });
      return;
    }
    this.pendingUdp++;
    this.o.handler
      .compute(msg, 'udp')
      .then((reply) => reply && udp.send(reply.bytes, from.port, from.address))
      .catch((err: unknown) => this.o.log.error({ err }, 'DNS query failed'))
      .finally(() => this.pendingUdp--);
  }

  private onConnection(conn: net.Socket): void {
    this.connections.add(conn);
    conn.setTimeout(this.o.tcpIdleMs ?? 10_000, () => conn.destroy());
    conn.on('close', () => this.connections.delete(conn));
    conn.on('error', () => conn.destroy());
    const maxPending = this.o.maxPendingPerConnection ?? 64;
    let buf = Buffer.alloc(0);
    let pending = 0;
    conn.on('data', (data) => {
      buf = buf.length ? Buffer.concat([buf, data]) : data;
      if (buf.length > MAX_TCP_BUFFER) return conn.destroy();
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        const stored = this.o.handler.stored(msg, 'tcp');
        if (stored) {
          writeFrame(conn, patchReply(stored, msg));
          continue;
        }
        if (++pending >= maxPending) conn.pause();
        this.o.handler
          .compute(msg, 'tcp')
          .then((reply) => reply && !conn.destroyed && writeFrame(conn, reply.bytes))
          .catch((err: unknown) => this.o.log.error({ err }, 'DNS query failed'))
          .finally(() => {
            if (--pending < maxPending && conn.isPaused()) conn.resume();
          });
      }
    });
  }
}

function writeFrame(conn: net.Socket, reply: Buffer): void {
  const frame = Buffer.allocUnsafe(2 + reply.length);
  frame.writeUInt16BE(reply.length, 0);
  reply.copy(frame, 2);
  conn.write(frame);
}
