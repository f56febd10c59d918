// Publishes a rootless cluster's NodePorts and LoadBalancer addresses on the host (effects; what
// and where: publications.ts). Each listener is on the host's loopback; each connection is made
// inside the cluster from the outside client's namespace (through its socket broker), to the next
// eligible node in turn, trying the others when a node refuses or does not answer.

import net from 'node:net';
import type { Logger } from 'pino';
import type { EndpointSlice } from '../../apis/discovery/endpointslices.js';
import type { Node } from '../../apis/core/nodes.js';
import type { Service } from '../../apis/core/service/types.js';
import { R, type Client } from '../../client/client.js';
import type { EventRecorder } from '../../client/events.js';
import { Informer } from '../../client/informer.js';
import { ListenerSet, type Listening } from './listener-set.js';
import { publications, targets, type Publication } from './publications.js';
import { join } from './relay.js';
import type { SocketBroker } from './socket-broker.js';

/** How long one node may take to accept before the next is tried. */
const NODE_DIAL_MS = 2_000;

export interface PublisherDeps {
  client: Client;
  /** A broker in the outside client's namespace. */
  broker: SocketBroker;
  events: EventRecorder;
  log: Logger;
}

export function publishFailure(pub: Publication, e: NodeJS.ErrnoException): string {
  const why =
    e.code === 'EACCES' && pub.port < 1024
      ? `permission denied: ports below 1024 need root, or: sudo sysctl -w net.ipv4.ip_unprivileged_port_start=${pub.port}`
      : e.code === 'EADDRINUSE'
        ? 'address already in use on this host'
        : e.message;
  return `Failed to publish ${pub.key} on this host: ${why}`;
}

export class Publisher {
  private readonly services: Informer<Service>;
  private readonly nodes: Informer<Node>;
  private readonly slices: Informer<EndpointSlice>;
  private readonly listeners: ListenerSet<Publication>;
  private next = 0;

  constructor(private readonly deps: PublisherDeps) {
    this.services = new Informer<Service>(deps.client, R.services);
    this.nodes = new Informer<Node>(deps.client, R.nodes);
    this.slices = new Informer<EndpointSlice>(deps.client, R.endpointSlices);
    this.listeners = new ListenerSet<Publication>(
      (pub, current) => this.listen(pub, current),
      (pub, e) => {
        const [namespace, name] = pub.service.split('/');
        const svc = this.services.get(namespace, name!);
        const message = publishFailure(pub, e);
        deps.log.warn({ service: pub.service, code: e.code }, message);
        if (svc) deps.events.record(svc, 'Warning', 'FailedToPublish', message);
      },
    );
    const changed = (): void => this.listeners.reconcileSoon(() => publications(this.services.list()));
    this.services.on({ add: changed, update: changed, delete: changed });
  }

  async start(): Promise<void> {
    await Promise.all([this.services.start(), this.nodes.start(), this.slices.start()]);
    await this.listeners.reconcile(publications(this.services.list()));
  }

  /** The host addresses published now (`ip:port/PROTOCOL`). */
  published(): string[] {
    return this.listeners.keys();
  }

  private listen(pub: Publication, current: () => Publication | undefined): Promise<Listening> {
    const server = net.createServer({ allowHalfOpen: true }, (conn) => void this.forward(conn, current()));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: pub.ip, port: pub.port, exclusive: true }, () => {
        server.off('error', reject);
        server.on('error', (e) => this.deps.log.warn({ err: e, key: pub.key }, 'published listener failed'));
        this.deps.log.info({ key: pub.key, service: pub.service }, 'published on the host');
        resolve({ close: () => server.close() });
      });
    });
  }

  private async forward(conn: net.Socket, pub: Publication | undefined): Promise<void> {
    conn.on('error', () => conn.destroy());
    // The Service's namespace only: this runs for every connection.
    const nodes = pub ? targets(pub, this.nodes.list(), this.slices.list(pub.service.split('/')[0])) : [];
    const start = this.next++;
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[(start + i) % nodes.length]!;
      try {
        const upstream = await this.deps.broker.connect(node, pub!.nodePort, NODE_DIAL_MS);
        if (conn.destroyed) return void upstream.destroy();
        return join(conn, upstream);
      } catch (e) {
        this.deps.log.debug({ node, key: pub!.key, err: (e as Error).message }, 'node did not accept; trying the next');
      }
    }
    conn.resetAndDestroy();
  }

  async stop(): Promise<void> {
    for (const inf of [this.services, this.nodes, this.slices]) inf.stop();
    await this.listeners.close();
  }
}
