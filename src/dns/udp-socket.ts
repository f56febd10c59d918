// The DNS server's UDP socket and how a stored reply leaves it without allocating: the reply
// is patched into one buffer owned by the socket and sent from there. The buffer is reused only
// once the previous send has finished (its callback has run: at once for the usual synchronous
// send, later when the kernel's send buffer was full); meanwhile a copy is sent.

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

/** A UDP socket for `address`; replies go back to the address a query came from, so no DNS lookup is needed to send. */
export function createUdpSocket(address: string): dgram.Socket {
  return dgram.createSocket({
    type: net.isIPv6(address) ? 'udp6' : 'udp4',
    lookup: (host, _family, callback) => callback(null, host, net.isIPv6(host) ? 6 : 4),
  });
}

/** Sets the socket's kernel buffers (once bound); a refusal (a capped or odd platform) leaves the defaults. */
export function setSocketBuffers(socket: dgram.Socket): void {
  try {
    socket.setRecvBufferSize(SOCKET_BUFFER_BYTES);
    socket.setSendBufferSize(SOCKET_BUFFER_BYTES);
  } catch {
    // The defaults still work; only bursts are more likely to be dropped.
  }
}

export class StoredReplySender {
  private readonly out = Buffer.allocUnsafe(UDP_MAX_SIZE);
  private sending = 0;
  private readonly sent = (): void => void this.sending--;

  constructor(private readonly socket: dgram.Socket) {}

  /** Sends `stored` patched for the query `msg` to port/address. */
  send(stored: Buffer, msg: Buffer, port: number, address: string): void {
    if (this.sending > 0 || stored.length > this.out.length) return void this.socket.send(patchReply(stored, msg), port, address);
    this.sending++;
    this.socket.send(this.out, 0, patchInto(stored, msg, this.out), port, address, this.sent);
  }
}
