// The DNS server's UDP socket and how a stored reply leaves it without allocating: the reply
// is patched into one buffer owned by the socket and sent from there. Replies go back to the
// address a query came from, so the socket's lookup is the identity and synchronous: send()
// reaches the kernel before it returns, and usually finishes there. When the kernel's send
// buffer was full the send waits in libuv's queue holding our buffer; while anything is queued,
// a copy is sent instead.

import dgram from 'node:dgram';
import net from 'node:net';
import { patchInto, patchReply } from './reply-cache.js';
import { UDP_MAX_SIZE } from './wire.js';

/**
 * Kernel buffers for the DNS socket. Linux's default (208 KiB) holds ~120 headless replies of
 * 1.7 KB: a burst from many clients while the process is busy (a GC pause, a miss computed)
 * would be dropped by the kernel. Linux caps these at net.core.[rw]mem_max.
 */
export const SOCKET_BUFFER_BYTES = 4 << 20;

/** Sets the socket's kernel buffers (once bound); a refusal (a capped or odd platform) leaves the defaults. */
export function setSocketBuffers(socket: dgram.Socket): void {
  try {
    socket.setRecvBufferSize(SOCKET_BUFFER_BYTES);
    socket.setSendBufferSize(SOCKET_BUFFER_BYTES);
  } catch {
    // The defaults still work; only bursts are more likely to be dropped.
  }
}

/** The DNS UDP socket for `address`, with the buffer stored replies are sent from. */
export class DnsUdpSocket {
  readonly socket: dgram.Socket;
  private readonly out = Buffer.allocUnsafe(UDP_MAX_SIZE);

  constructor(address: string) {
    const family = net.isIPv6(address) ? 6 : 4;
    this.socket = dgram.createSocket({
      type: family === 6 ? 'udp6' : 'udp4',
      lookup: (host, _options, callback) => callback(null, host, family),
    });
  }

  /** Sends `stored` patched for the query `msg` to port/address. */
  sendStored(stored: Buffer, msg: Buffer, port: number, address: string): void {
    if (stored.length > this.out.length || this.socket.getSendQueueCount() > 0) return void this.socket.send(patchReply(stored, msg), port, address);
    this.socket.send(this.out, 0, patchInto(stored, msg, this.out), port, address);
  }
}
