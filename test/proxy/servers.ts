// Small real servers and clients on loopback for the proxy's integration tests and benchmark.
// Everything opened here is closed by closeAll().

import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';

const open: { close(): Promise<void> }[] = [];

/** An HTTP server answering every request with its name. */
export async function httpBackend(ip: string, port: number, name: string): Promise<{ close(): Promise<void>; drain(): Promise<void> }> {
  const server = http.createServer((_req, res) => res.end(name));
  await new Promise<void>((r, j) => server.once('error', j).listen(port, ip, () => r()));
  const h = {
    /** Gone at once, as a killed process: requests in flight are cut. */
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
    /** Gone as a terminating pod's server goes: no new connections, requests in flight answered. */
    drain: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeIdleConnections();
      }),
  };
  open.push(h);
  return h;
}

/** A UDP server answering each datagram with `name:payload`. */
export async function udpBackend(ip: string, port: number, name: string): Promise<{ close(): Promise<void>; received: () => number }> {
  const sock = dgram.createSocket(net.isIPv6(ip) ? 'udp6' : 'udp4');
  let received = 0;
  sock.on('message', (m, r) => {
    received++;
    sock.send(`${name}:${m}`, r.port, r.address);
  });
  await new Promise<void>((r) => sock.bind(port, ip, () => r()));
  const h = { close: () => new Promise<void>((r) => sock.close(() => r())), received: () => received };
  open.push(h);
  return h;
}

/** A raw TCP server that hands each connection to `onConn`. */
export async function tcpServer(ip: string, port: number, onConn: (s: net.Socket) => void): Promise<{ close(): Promise<void>; port: number }> {
  const server = net.createServer(onConn);
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  await new Promise<void>((r, j) => server.once('error', j).listen(port, ip, () => r()));
  const h = {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
  open.push(h);
  return h;
}

export async function closeAll(): Promise<void> {
  await Promise.all(open.splice(0).map((h) => h.close()));
}

/** GET / on a new connection; the body. */
export function get(ip: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: ip, port, path: '/', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** One datagram and its answer, from a fresh socket unless one is given. */
export function udpAsk(ip: string, port: number, payload: string, sock?: dgram.Socket, timeoutMs = 2000): Promise<string> {
  const s = sock ?? dgram.createSocket(net.isIPv6(ip) ? 'udp6' : 'udp4');
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error('no answer')), timeoutMs);
    const onMsg = (m: Buffer): void => done(undefined, m.toString());
    const done = (err?: Error, v?: string): void => {
      clearTimeout(timer);
      s.off('message', onMsg);
      if (!sock) s.close();
      if (err) reject(err);
      else resolve(v!);
    };
    s.on('message', onMsg);
    s.send(payload, port, ip);
  });
}

/** How a TCP connect ends: 'connected', or the error code. */
export function connectOutcome(ip: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host: ip, port });
    s.once('connect', () => (s.destroy(), resolve('connected')));
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}
