// The DNS server's UDP socket and how a stored reply leaves it without allocating or copying:
// the asker's ID and question case are written into the stored reply itself, which is sent as
// it is. Replies go back to the address a query came from, so the socket's lookup is the
// identity and synchronous: send() reaches the kernel before it returns (libuv's try-send), and
// usually finishes there. When the kernel's send buffer was full, the send waits in libuv's
// queue holding its buffer, perhaps a stored reply; while any socket of this process (they share
// one Handler's replies) has a send queued, stored replies are patched into copies instead.

import dgram from 'node:dgram';
import net from 'node:net';
import { patchInPlace, patchReply } from './reply-cache.js';

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

/** This process's DNS UDP sockets, open ones only (an array: checked on every hit without an iterator). */
const open: dgram.Socket[] = [];

/** Whether a send of any of them waits in libuv's queue, still holding its buffer. */
function sendQueued(): boolean {
  for (let i = 0; i < open.length; i++) if (open[i].getSendQueueCount() > 0) return true;
  return false;
}

/** The DNS UDP socket for `address`, sending stored replies as they are. */
export class DnsUdpSocket {
  readonly socket: dgram.Socket;

  constructor(address: string) {
    const family = net.isIPv6(address) ? 6 : 4;
    const socket = (this.socket = dgram.createSocket({
      type: family === 6 ? 'udp6' : 'udp4',
      lookup: (host, _options, callback) => callback(null, host, family),
    }));
    socket.once('listening', () => open.push(socket));
    socket.once('close', () => this.forget());
  }

  /** Sends `stored` patched for the query `msg` to port/address. */
  sendStored(stored: Buffer, msg: Buffer, port: number, address: string): void {
    if (sendQueued()) return void this.socket.send(patchReply(stored, msg), port, address);
    patchInPlace(stored, msg);
    this.socket.send(stored, port, address);
  }

  /** Closes the socket; it leaves `open` first, as its queue cannot be asked once closing. */
  close(callback?: () => void): void {
    this.forget();
    this.socket.close(callback);
  }

  private forget(): void {
    const i = open.indexOf(this.socket);
    if (i >= 0) open.splice(i, 1);
  }
}
