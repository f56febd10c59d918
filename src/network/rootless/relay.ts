// Moving bytes between two ends (effects): a TCP connection joined to another, and a UDP relay
// that gives each client its own upstream socket so replies find their way back.

import dgram from 'node:dgram';
import type net from 'node:net';

/** Joins two connections both ways; either closing or failing closes the other. Half-closes
 *  pass through (HTTP/1.0 clients end their side and wait for the answer). */
export function join(a: net.Socket, b: net.Socket): void {
  a.pipe(b);
  b.pipe(a);
  const close = (): void => {
    a.destroy();
    b.destroy();
  };
  for (const s of [a, b]) {
    s.once('error', close);
    s.once('close', close);
  }
}

/** How long a UDP client's flow lives without traffic (conntrack's UDP stream timeout). */
export const UDP_FLOW_IDLE_MS = 120_000;
/** Flows held at once; past it the oldest goes. */
export const UDP_MAX_FLOWS = 1_024;

export interface UdpRelay {
  flows(): number;
  close(): void;
}

/** Relays datagrams arriving on `front` to `target` from one socket per client, made by
 *  `open` (e.g. in the host's namespace), and the target's replies back to that client. */
export function relayUdp(front: dgram.Socket, target: { host: string; port: number }, open: () => dgram.Socket = () => dgram.createSocket('udp4'), onError?: (e: Error) => void): UdpRelay {
  const flows = new Map<string, { sock: dgram.Socket; timer: NodeJS.Timeout }>();
  const drop = (key: string): void => {
    const f = flows.get(key);
    if (!f) return;
    flows.delete(key);
    clearTimeout(f.timer);
    f.sock.close();
  };
  front.on('message', (msg, from) => {
    const key = `${from.address}:${from.port}`;
    let f = flows.get(key);
    if (!f) {
      if (flows.size >= UDP_MAX_FLOWS) drop(flows.keys().next().value!);
      const sock = open();
      sock.on('message', (answer) => front.send(answer, from.port, from.address));
      sock.on('error', (e) => {
        onError?.(e);
        drop(key);
      });
      f = { sock, timer: setTimeout(() => drop(key), UDP_FLOW_IDLE_MS) };
      flows.set(key, f);
    }
    f.timer.refresh();
    f.sock.send(msg, target.port, target.host);
  });
  front.on('error', (e) => onError?.(e));
  return {
    flows: () => flows.size,
    close: () => {
      for (const key of [...flows.keys()]) drop(key);
      front.close();
    },
  };
}
