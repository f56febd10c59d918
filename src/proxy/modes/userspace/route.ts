// What a listener asks, per new connection, to learn where it goes. Read at connection time,
// so a sync changes endpoints, scheduler or affinity without touching the listening socket.

import type { Clock } from '../../../util/clock.js';
import type { Balancer } from './balancer.js';
import type { ProxyProtocolVersion } from './proxy-protocol.js';
import type { ServiceStats } from './stats.js';

export interface Route {
  verdict: 'forward' | 'drop';
  stats: ServiceStats;
  balancer: Balancer;
  proxyProtocol?: ProxyProtocolVersion;
}

/** undefined: the listener is being closed. */
export type RouteLookup = () => Route | undefined;

export interface Listener {
  close(): Promise<void>;
}

export interface DatapathDeps {
  clock: Clock;
  /** Give up on an endpoint that does not answer a connect (then try the next). */
  connectTimeoutMs: number;
  /** A UDP flow with no datagram either way for this long is forgotten. */
  udpIdleTimeoutMs: number;
  /** UDP flows (client address:port, each a socket) one service address keeps at most. */
  udpMaxFlows: number;
}

/** `::ffff:1.2.3.4` → `1.2.3.4`. */
export const plainIP = (ip: string | undefined): string => (ip?.startsWith('::ffff:') ? ip.slice(7) : ip ?? '');
