// Runs a built-in image's listeners on the pod IP and logs every request to stdout (the
// container log), HTTP requests in nginx's combined format.

import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import { netexecHttp, netexecUdp, type NetexecAnswer } from './netexec.js';
import { pageAnswer, udpAnswer, type PodInfo, type RequestView } from './pages.js';
import { startupLines, werkzeugLine } from './image-logs.js';
import { pgSession, startPostgres, type PgRoles } from './postgres.js';
import type { BuiltinSpec, Listener } from './spec.js';

export interface Running {
  /** Graceful, as nginx quits: no new connections, requests in flight are answered. */
  close(): Promise<void>;
  /** At once, as SIGKILL: listeners and every open connection closed. */
  abort(): void;
}

/** Where listening sockets come from: bound here, or handed over already bound (the node's
 *  image host gets them from inside a pod's network namespace, image-host.ts). */
export interface SocketSource {
  tcp(host: string, port: number): Promise<net.Server>;
  udp(host: string, port: number): Promise<dgram.Socket>;
}

/** What a container's commands (netexec /shell) run with; none: this process's own. */
export interface ContainerContext {
  env: Record<string, string>;
  cwd?: string;
  /** The argv that runs a command in the pod's network namespace. */
  wrap(argv: string[]): string[];
}

export interface ServeIO {
  /** One line of the container's log. */
  log(line: string): void;
  /** Ends the container with this exit code (netexec /exit). */
  exit(code: number): void;
  sockets?: SocketSource;
  container?: ContainerContext;
  /** CPU time spent on this container's requests (its handlers' own work), in microseconds:
   *  a process shared by many containers cannot measure them from /proc. */
  charge?(micros: number): void;
}

/** Runs fn and charges the CPU time it took to io. */
function charged<T>(io: ServeIO, fn: () => T): T {
  if (!io.charge) return fn();
  const t0 = process.cpuUsage();
  try {
    return fn();
  } finally {
    const d = process.cpuUsage(t0);
    io.charge(d.user + d.system);
  }
}

/** The pod a server answers for, from the environment the agent gives its containers. */
export function podFromEnv(env: Record<string, string | undefined>, host: string, fallbackName: string): PodInfo {
  return { name: env.POD_NAME ?? env.HOSTNAME ?? fallbackName, namespace: env.POD_NAMESPACE ?? 'default', ip: env.POD_IP ?? host, env };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number): string => String(n).padStart(2, '0');

/** nginx's `$time_local` in UTC: `22/Nov/2026:03:08:54 +0000`. */
export function nginxTime(d: Date): string {
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/** nginx's combined log format. */
export function accessLogLine(req: RequestView, status: number, bytes: number, at: Date): string {
  const ip = req.client.slice(0, req.client.lastIndexOf(':'));
  const header = (name: string): string => {
    const v = req.headers[name];
    return (Array.isArray(v) ? v.join(', ') : v) || '-';
  };
  return `${ip} - - [${nginxTime(at)}] "${req.method} ${req.url} HTTP/${req.httpVersion}" ${status} ${bytes} "${header('referer')}" "${header('user-agent')}"`;
}

const address = (ip: string | undefined, port: number | undefined): string => `${ip ?? ''}:${port ?? 0}`;

function answer(spec: BuiltinSpec, pod: PodInfo, req: RequestView, io: ServeIO): Promise<NetexecAnswer> {
  return spec.kind === 'netexec' ? netexecHttp(pod, req, io.container) : Promise.resolve(pageAnswer(spec, pod, req));
}

function httpServer(spec: BuiltinSpec, pod: PodInfo, io: ServeIO): net.Server {
  return http.createServer((req, res) => charged(io, () => {
    const view: RequestView = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      httpVersion: req.httpVersion,
      client: address(req.socket.remoteAddress, req.socket.remotePort),
      headers: req.headers,
    };
    answer(spec, pod, view, io)
      .catch((e: unknown): NetexecAnswer => ({ status: 500, headers: {}, body: `${e instanceof Error ? e.message : String(e)}\n` }))
      .then((a) => charged(io, () => {
        const body = Buffer.from(a.body);
        const at = new Date();
        // The React dev server logs no requests; Flask logs Werkzeug's lines; the rest nginx's.
        if (spec.kind === 'flask-backend') io.log(werkzeugLine(view, a.status, at));
        else if (spec.kind !== 'react-frontend') io.log(accessLogLine(view, a.status, req.method === 'HEAD' ? 0 : body.length, at));
        res.writeHead(a.status, { ...a.headers, 'Content-Length': body.length });
        res.end(body, () => {
          if (a.exitCode !== undefined) io.exit(a.exitCode);
        });
      }));
  }));
}

/** agnhost serve-hostname --tcp: the hostname, then close. */
function rawTcpServer(pod: PodInfo, io: ServeIO): net.Server {
  return net.createServer((sock) => {
    io.log(`TCP request from ${address(sock.remoteAddress, sock.remotePort)}`);
    sock.on('error', () => sock.destroy());
    sock.end(pod.name);
  });
}

/** Listens on `host:port` (a socket from `sockets`, or bound here). */
async function bindTcp(server: net.Server, host: string, port: number, sockets?: SocketSource): Promise<void> {
  const handle = sockets ? await sockets.tcp(host, port) : undefined;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const listening = (): void => {
      server.off('error', reject);
      resolve();
    };
    if (handle) server.listen(handle, listening);
    else server.listen(port, host, listening);
  });
}

async function listenTcp(server: net.Server, hosts: string[], port: number, sockets?: SocketSource): Promise<Running> {
  // Open connections, to end them on abort (SIGKILL).
  const conns = new Set<net.Socket>();
  server.on('connection', (c: net.Socket) => {
    conns.add(c);
    c.once('close', () => conns.delete(c));
  });
  const [first, ...more] = hosts;
  // A server listens once: the other family's listener hands its connections over.
  const feeders = more.map(() => net.createServer((c) => server.emit('connection', c)));
  await bindTcp(server, first!, port, sockets);
  try {
    for (const [i, f] of feeders.entries()) await bindTcp(f, more[i]!, port, sockets);
  } catch (e) {
    for (const s of [server, ...feeders]) s.close();
    throw e;
  }
  return {
    close: () =>
      new Promise<void>((done) => {
        for (const f of feeders) f.close();
        server.close(() => done());
        if (server instanceof http.Server) server.closeIdleConnections();
      }),
    abort: () => {
      for (const s of [server, ...feeders]) s.close();
      for (const c of conns) c.destroy();
    },
  };
}

async function listenUdp(spec: BuiltinSpec, pod: PodInfo, io: ServeIO, port: number): Promise<Running> {
  const all = await Promise.all(hostsOf(spec).map((host) => listenUdpOn(spec, host, pod, io, port)));
  return { close: async () => void (await Promise.all(all.map((r) => r.close()))), abort: () => all.forEach((r) => r.abort()) };
}

async function listenUdpOn(spec: BuiltinSpec, host: string, pod: PodInfo, io: ServeIO, port: number): Promise<Running> {
  const sock = io.sockets ? await io.sockets.udp(host, port) : dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
  sock.on('message', (msg, rinfo) => charged(io, () => {
    const client = address(rinfo.address, rinfo.port);
    const text = msg.toString();
    io.log(`UDP request from ${client}: ${JSON.stringify(text)}`);
    const reply = spec.kind === 'netexec' ? netexecUdp(text, pod, client) : udpAnswer(spec, pod, text, client);
    if (reply !== undefined) sock.send(reply, rinfo.port, rinfo.address);
  }));
  if (!io.sockets) {
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(port, host, () => {
        sock.off('error', reject);
        resolve();
      });
    });
  }
  let closed = false;
  const close = (): Promise<void> =>
    new Promise<void>((done) => {
      if (closed) return done();
      closed = true;
      sock.close(() => done());
    });
  return { close, abort: () => void close() };
}

/** PostgreSQL's wire protocol; each connection logs as a backend process of its own pid. */
function postgresServer(roles: PgRoles, io: ServeIO): net.Server {
  let pid = 60;
  return net.createServer((sock) => pgSession(sock, roles, ++pid, io.log));
}

function listen(spec: BuiltinSpec, pod: PodInfo, io: ServeIO, l: Listener, roles: PgRoles | undefined): Promise<Running> {
  if (l.proto === 'udp') return listenUdp(spec, pod, io, l.port);
  const server = l.proto === 'tcp' ? rawTcpServer(pod, io) : l.proto === 'postgres' && roles ? postgresServer(roles, io) : httpServer(spec, pod, io);
  return listenTcp(server, hostsOf(spec), l.port, io.sockets);
}

const hostsOf = (spec: BuiltinSpec): string[] => [spec.host, ...(spec.moreHosts ?? [])];

/** After SIGTERM a server keeps accepting this long before it closes its listeners: the pod's
 *  endpoint is marked terminating at the same moment, and proxies need a moment to stop
 *  sending new connections (what a preStop sleep does for real images). */
const LINGER_MS = 1000;
/** A request that is still running this long after closing does not hold the exit. */
const DRAIN_MS = 5000;

/** SIGTERM's course for a built-in server: linger, close, drain (bounded); then it exits 0. */
export async function stopGracefully(running: Running): Promise<void> {
  await new Promise((r) => setTimeout(r, LINGER_MS));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([running.close(), new Promise((r) => (timer = setTimeout(r, DRAIN_MS)))]);
  clearTimeout(timer);
}

/** Starts every listener; a required one that cannot bind fails the whole start, as does the
 *  postgres entrypoint's refusal (no password). */
export async function serve(spec: BuiltinSpec, pod: PodInfo, io: ServeIO): Promise<Running> {
  const roles = spec.kind === 'postgres' && spec.pg ? startPostgres(spec.pg, pod.env ?? {}, io.log) : undefined;
  const running: Running[] = [];
  const closeAll = async (): Promise<void> => {
    await Promise.all(running.map((r) => r.close()));
  };
  const abortAll = (): void => running.forEach((r) => r.abort());
  for (const l of spec.listeners) {
    const where = `${spec.host}:${l.port}/${l.proto === 'udp' ? 'UDP' : 'TCP'}`;
    try {
      running.push(await listen(spec, pod, io, l, roles));
      const own = startupLines(spec, pod, l.port, new Date());
      if (own) own.forEach((line) => io.log(line));
      else io.log(`${spec.kind}: listening on ${where}${l.proto === 'http' ? ' (HTTP)' : ''}`);
    } catch (e) {
      const why = `${spec.kind}: cannot listen on ${where}: ${e instanceof Error ? e.message : String(e)}`;
      if (l.required) {
        await closeAll();
        throw new Error(why);
      }
      io.log(`${why} (the image's default port; not declared, so skipped)`);
    }
  }
  return { close: closeAll, abort: abortAll };
}
