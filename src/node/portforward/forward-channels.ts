// Port-forward over a WebSocket of numbered channels (kubelet's websocket handler, what
// @kubernetes/client-node's PortForward speaks): the ports come in the query; port i uses
// channel 2i for data and 2i+1 for errors, and each channel's first message is the port as two
// little-endian bytes. One WebSocket is one connection to each port.

import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import { dialFailure, dialPod, type PortTarget } from './dial.js';

export const CHANNEL_PROTOCOLS = ['v4.channel.k8s.io', 'channel.k8s.io'];

/** Bytes queued on the WebSocket above which reading from the pod pauses. */
const HIGH_WATER = 1 << 20;

function portPrefix(port: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(port);
  return b;
}

export function forwardChannels(ws: WebSocket, target: PortTarget, ports: number[]): void {
  const send = (channel: number, data: Buffer, done?: () => void): void => {
    if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), data]), done);
  };
  // Each port's connection once made; undefined: its connect failed.
  const sockets: Promise<Duplex | undefined>[] = [];
  let open = ports.length;
  const closeOne = (): void => {
    if (--open === 0) ws.close(1000);
  };
  ports.forEach((port, i) => {
    send(2 * i, portPrefix(port));
    send(2 * i + 1, portPrefix(port));
    const failed = (e: NodeJS.ErrnoException): void => send(2 * i + 1, Buffer.from(dialFailure(target, port, e)));
    sockets[i] = dialPod(target, port).then(
      (conn) => {
        if (ws.readyState !== ws.OPEN) return void conn.destroy();
        conn.on('data', (d: Buffer) => {
          send(2 * i, d, () => ws.bufferedAmount < HIGH_WATER && conn.resume());
          if (ws.bufferedAmount >= HIGH_WATER) conn.pause();
        });
        conn.on('error', failed);
        conn.on('close', closeOne);
        return conn;
      },
      (e: NodeJS.ErrnoException) => {
        failed(e);
        closeOne();
        return undefined;
      },
    );
  });
  ws.on('message', (data: RawData) => {
    const msg = Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]);
    const channel = msg[0];
    if (channel === undefined || channel % 2 !== 0 || channel / 2 >= ports.length) return;
    // In order: a message sent while connecting waits for the connection.
    void sockets[channel / 2]!.then((conn) => conn && !conn.destroyed && conn.write(msg.subarray(1)));
  });
  ws.on('close', () => sockets.forEach((s) => void s.then((conn) => conn?.destroy())));
}
