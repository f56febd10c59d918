// The host as a rootless cluster sees it: HOST_GATEWAY_IP on the underlay, where the user's
// machine would be (as docker0's gateway address is for containers). Pods cannot route out of the
// user namespace, so listeners made there (through the underlay's socket broker) forward, from
// the host's side, to:
// - the DNS upstream, from :53 (the cluster DNS pods forward names outside the cluster here);
// - the API server, from its port (the `kubernetes` Service's endpoint);
// - 127.0.0.1:PORT, from every port that an Endpoints/EndpointSlice names at HOST_GATEWAY_IP:
//   the "external database" pattern, a selector-less Service in front of a server on the host.
// Only the host's loopback is reached: nothing is routed anywhere else.

import net from 'node:net';
import type { Logger } from 'pino';
import type { EndpointSlice } from '../../apis/discovery/endpointslices.js';
import { R, type Client } from '../../client/client.js';
import { Informer } from '../../client/informer.js';
import { HOST_GATEWAY_IP } from '../netns/names.js';
import { ListenerSet, type Listening } from './listener-set.js';
import { HOST_LOOPBACK } from './publications.js';
import { join, relayUdp } from './relay.js';
import type { SocketBroker } from './socket-broker.js';

export interface Forward {
  key: string;
  port: number;
  protocol: 'TCP' | 'UDP';
  to: { host: string; port: number };
}

/** The forwards for endpoints at HOST_GATEWAY_IP, besides the fixed ones (pure). */
export function endpointForwards(slices: EndpointSlice[], reserved: Set<string>): Forward[] {
  const out = new Map<string, Forward>();
  for (const s of slices) {
    if (!(s.endpoints ?? []).some((e) => e.addresses.includes(HOST_GATEWAY_IP))) continue;
    for (const p of s.ports ?? []) {
      const protocol = (p.protocol ?? 'TCP') as Forward['protocol'];
      if (!p.port || (protocol !== 'TCP' && protocol !== 'UDP')) continue;
      const key = `${p.port}/${protocol}`;
      if (!reserved.has(key)) out.set(key, { key, port: p.port, protocol, to: { host: HOST_LOOPBACK, port: p.port } });
    }
  }
  return [...out.values()].sort((a, b) => a.key.localeCompare(b.key));
}

export interface HostGatewayDeps {
  client: Client;
  /** A broker in the underlay's namespace, where HOST_GATEWAY_IP is. */
  broker: SocketBroker;
  log: Logger;
  dnsUpstream: { host: string; port: number };
  apiPort: number;
}

export class HostGateway {
  private readonly slices: Informer<EndpointSlice>;
  private readonly listeners: ListenerSet<Forward>;
  private readonly fixed: Forward[];

  constructor(private readonly deps: HostGatewayDeps) {
    this.fixed = [
      { key: '53/UDP', port: 53, protocol: 'UDP', to: deps.dnsUpstream },
      { key: '53/TCP', port: 53, protocol: 'TCP', to: deps.dnsUpstream },
      { key: `${deps.apiPort}/TCP`, port: deps.apiPort, protocol: 'TCP', to: { host: HOST_LOOPBACK, port: deps.apiPort } },
    ];
    this.slices = new Informer<EndpointSlice>(deps.client, R.endpointSlices);
    this.listeners = new ListenerSet<Forward>(
      (f) => this.listen(f),
      (f, e) => deps.log.warn({ key: f.key, code: e.code }, `host gateway cannot listen on ${HOST_GATEWAY_IP}:${f.key}: ${e.message}`),
    );
    const changed = (): void => this.listeners.reconcileSoon(() => this.desired());
    this.slices.on({ add: changed, update: changed, delete: changed });
  }

  async start(): Promise<void> {
    await this.slices.start();
    await this.listeners.reconcile(this.desired());
  }

  private desired(): Forward[] {
    const reserved = new Set(this.fixed.map((f) => f.key));
    return [...this.fixed, ...endpointForwards(this.slices.list(), reserved)];
  }


  /** `port/PROTOCOL` forwarded now. */
  forwarded(): string[] {
    return this.listeners.keys();
  }

  private async listen(f: Forward): Promise<Listening> {
    if (f.protocol === 'UDP') {
      const front = await this.deps.broker.udp(HOST_GATEWAY_IP, f.port);
      const relay = relayUdp(front, f.to, undefined, (e) => this.deps.log.debug({ err: e, key: f.key }, 'host gateway UDP relay error'));
      return { close: () => relay.close() };
    }
    const server = await this.deps.broker.listen(HOST_GATEWAY_IP, f.port);
    server.on('connection', (conn: net.Socket) => {
      const upstream = net.connect({ host: f.to.host, port: f.to.port, allowHalfOpen: true });
      upstream.once('connect', () => join(conn, upstream));
      upstream.once('error', () => conn.resetAndDestroy());
      conn.once('error', () => upstream.destroy());
    });
    return { close: () => server.close() };
  }

  async stop(): Promise<void> {
    this.slices.stop();
    await this.listeners.close();
  }
}
