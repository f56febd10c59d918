// The rootless network's two edges, started once the cluster is up: the host gateway (the way
// out, from the underlay) and the publisher (the way in, from the outside client's namespace),
// each with a socket broker in its namespace.

import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Client } from '../../client/client.js';
import { EventRecorder } from '../../client/events.js';
import { parseResolvConf } from '../../dns/resolv-conf.js';
import { parseServer } from '../../dns/upstream.js';
import type { ClusterPlan } from '../netns/names.js';
import { HostGateway } from './host-gateway.js';
import { Publisher } from './publisher.js';
import { SocketBroker } from './socket-broker.js';

export interface RootlessEdgesOptions {
  client: Client;
  plan: ClusterPlan;
  apiPort: number;
  /** Where names outside the cluster are resolved (`IP[:PORT]`); default: the host's resolv.conf. */
  dnsUpstream?: string;
  log: Logger;
}

export interface RootlessEdges {
  gateway: HostGateway;
  publisher: Publisher;
  stop(): Promise<void>;
}

function hostResolver(): string {
  const conf = parseResolvConf(readFileSync('/etc/resolv.conf', 'utf8'));
  const first = conf.nameservers[0];
  if (!first) throw new Error('no nameserver in /etc/resolv.conf for names outside the cluster; give one with --dns-upstream');
  return first;
}

export async function startRootlessEdges(o: RootlessEdgesOptions): Promise<RootlessEdges> {
  const { host, port } = parseServer(o.dnsUpstream ?? hostResolver());
  const stops: (() => Promise<void>)[] = [];
  try {
    const underlay = await SocketBroker.start(`/run/netns/${o.plan.underlayNs}`);
    stops.push(() => underlay.stop());
    const outside = await SocketBroker.start(`/run/netns/${o.plan.clientNs}`);
    stops.push(() => outside.stop());
    const gateway = new HostGateway({ client: o.client, broker: underlay, log: o.log.child({ component: 'host-gateway' }), dnsUpstream: { host, port }, apiPort: o.apiPort });
    await gateway.start();
    stops.push(() => gateway.stop());
    const publisher = new Publisher({ client: o.client, broker: outside, events: new EventRecorder(o.client, 'tinykube-publisher'), log: o.log.child({ component: 'publisher' }) });
    await publisher.start();
    stops.push(() => publisher.stop());
    const stop = async (): Promise<void> => {
      for (const s of stops.reverse()) await s();
    };
    return { gateway, publisher, stop };
  } catch (e) {
    for (const s of stops.reverse()) await s();
    throw e;
  }
}
