// A TCP listener on one service address. Each accepted connection is held paused while an
// endpoint is chosen and connected (the next one when a connect fails), then both sockets are
// piped into each other: pipe() gives backpressure, allowHalfOpen carries a FIN one way while
// the other keeps flowing, and an error on either side resets the other.

import net from 'node:net';
import { proxyHeader } from './proxy-protocol.js';
import { plainIP, type DatapathDeps, type Listener, type Route, type RouteLookup } from './route.js';

export async function listenTcp(ip: string, port: number, route: RouteLookup, deps: DatapathDeps): Promise<Listener> {
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (client) => {
    const r = route();
    client.on('error', () => undefined);
    if (!r || r.verdict === 'drop') client.resetAndDestroy();
    else connect(client, ip, port, r, new Set(), deps);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: ip, port, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Closing stops accepting; connections already open go on (a drain ends them if needed).
  return { close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function connect(client: net.Socket, ip: string, port: number, r: Route, tried: Set<string>, deps: DatapathDeps): void {
  const clientIP = plainIP(client.remoteAddress);
  const b = r.balancer.pick({ clientIP, destIP: ip }, tried);
  if (!b || client.destroyed) {
    client.resetAndDestroy();
    return;
  }
  tried.add(b.key);
  const up = net.connect({ host: b.ip, port: b.port, allowHalfOpen: true, noDelay: true });
  up.setTimeout(deps.connectTimeoutMs, () => up.destroy(new Error('connect timeout')));
  const abandon = (): void => void up.destroy();
  client.once('close', abandon);
  up.once('error', () => {
    client.off('close', abandon);
    r.stats.connectFailed(b.key);
    connect(client, ip, port, r, tried, deps);
  });
  up.once('connect', () => {
    client.off('close', abandon);
    up.removeAllListeners('error');
    up.setTimeout(0);
    if (r.proxyProtocol) {
      up.write(proxyHeader(r.proxyProtocol, { srcIP: clientIP, srcPort: client.remotePort ?? 0, dstIP: ip, dstPort: port }));
    }
    splice(client, up, r, b.key);
  });
}

function splice(client: net.Socket, up: net.Socket, r: Route, endpoint: string): void {
  const release = r.balancer.track(endpoint, { close: () => (client.destroy(), up.destroy()) });
  const meter = {
    get bytesIn() {
      return client.bytesRead;
    },
    get bytesOut() {
      return client.bytesWritten;
    },
  };
  r.stats.opened(endpoint, meter);
  let open = 2;
  const closed = (): void => {
    if (--open > 0) return;
    release();
    r.stats.closed(endpoint, meter);
  };
  client.once('close', closed);
  up.once('close', closed);
  client.on('error', () => up.resetAndDestroy());
  up.on('error', () => client.resetAndDestroy());
  client.pipe(up);
  up.pipe(client);
  client.resume();
}
