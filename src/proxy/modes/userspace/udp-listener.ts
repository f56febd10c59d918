// A UDP listener on one service address. Each client address:port gets a flow: a connected
// socket to the endpoint chosen for its first datagram, replies sent back from the service
// address. A flow ends when idle, when its endpoint reports unreachable (the next datagram
// picks again), or at once when its endpoint leaves the service — so no datagram keeps going
// to a removed endpoint, the stale-conntrack failure of kernel proxies.
//
// Flows are bounded (each is a socket): when the table is full, datagrams from new clients are
// dropped, as a full conntrack table drops new connections, and the listener says so once per
// episode. Socket errors are reported, not swallowed.

import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Timer } from '../../../util/clock.js';
import { plainIP, type DatapathDeps, type Listener, type Route, type RouteLookup } from './route.js';

/** Datagrams held per flow while its socket connects. */
const MAX_QUEUED = 64;

/** What a UDP listener tells its owner. */
export interface UdpProblems {
  /** The flow table just filled: new clients' datagrams are dropped until a flow ends. */
  flowLimitReached(max: number): void;
  /** A socket failed: the service's own, or a flow's towards its endpoint. */
  socketError(where: 'service' | 'endpoint', err: NodeJS.ErrnoException): void;
}

interface Flow {
  sock: dgram.Socket;
  last: number;
  timer?: Timer;
  queue?: Buffer[];
  bytesIn: number;
  bytesOut: number;
  close(): void;
}

const udpType = (ip: string): dgram.SocketType => (isIPv6(ip) ? 'udp6' : 'udp4');

export async function listenUdp(ip: string, port: number, route: RouteLookup, deps: DatapathDeps, problems: UdpProblems): Promise<Listener> {
  // Each family its own socket (a Service's IPv6 VIP is served beside its IPv4 one).
  const server = dgram.createSocket({ type: udpType(ip), ipv6Only: isIPv6(ip) });
  const flows = new Map<string, Flow>();
  let full = false;

  server.on('message', (msg, rinfo) => {
    const id = `${rinfo.address}:${rinfo.port}`;
    let flow = flows.get(id);
    if (!flow && flows.size >= deps.udpMaxFlows) {
      if (!full) problems.flowLimitReached(deps.udpMaxFlows);
      full = true;
      return;
    }
    flow ??= open(id, rinfo);
    if (!flow) return;
    flow.last = deps.clock.now();
    flow.bytesIn += msg.length;
    if (flow.queue) {
      if (flow.queue.length < MAX_QUEUED) flow.queue.push(msg);
    } else flow.sock.send(msg);
  });
  server.on('error', (err) => problems.socketError('service', err));

  function open(id: string, rinfo: dgram.RemoteInfo): Flow | undefined {
    const r: Route | undefined = route();
    if (!r || r.verdict === 'drop') return undefined;
    const b = r.balancer.pick({ clientIP: plainIP(rinfo.address), destIP: ip });
    if (!b) return undefined;
    const sock = dgram.createSocket({ type: udpType(b.ip) });
    let release = (): void => undefined;
    let closed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      flows.delete(id);
      full = false;
      flow.timer?.cancel();
      release();
      sock.close();
      r.stats.closed(b.key, flow);
    };
    const flow: Flow = { sock, last: deps.clock.now(), queue: [], bytesIn: 0, bytesOut: 0, close };
    release = r.balancer.track(b.key, flow);
    r.stats.opened(b.key, flow);
    sock.on('message', (reply) => {
      flow.last = deps.clock.now();
      flow.bytesOut += reply.length;
      server.send(reply, rinfo.port, rinfo.address);
    });
    sock.on('error', (err: NodeJS.ErrnoException) => {
      // ECONNREFUSED: the endpoint's port is closed (ICMP unreachable).
      if (err.code === 'ECONNREFUSED') r.stats.connectFailed(b.key);
      problems.socketError('endpoint', err);
      close();
    });
    sock.connect(b.port, b.ip, () => {
      for (const m of flow.queue ?? []) sock.send(m);
      flow.queue = undefined;
    });
    const idle = (): void => {
      const left = flow.last + deps.udpIdleTimeoutMs - deps.clock.now();
      if (left <= 0) close();
      else flow.timer = deps.clock.after(left, idle);
    };
    flow.timer = deps.clock.after(deps.udpIdleTimeoutMs, idle);
    flows.set(id, flow);
    return flow;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.bind({ address: ip, port, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    // Replies can only leave through the service socket, so its flows end with it.
    close: () =>
      new Promise((resolve) => {
        for (const f of [...flows.values()]) f.close();
        server.close(() => resolve());
      }),
  };
}
