// The components `up` runs next to the API server, each with its own in-process client and
// its own name in managedFields and Events: controllers, the node agent, the proxy, DNS.

import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ApiServer } from '../api/server.js';
import { InProcessClient } from '../client/in-process.js';
import { EventRecorder } from '../client/events.js';
import { startWorkloadControllers } from '../controllers/workloads.js';
import { startServiceControllers } from '../controllers/services.js';
import { startPodHandlers } from '../node/pod-handlers.js';
import { singleHost, type PodPlacement } from '../node/pod-placement.js';
import { nodeProxy } from '../api/http/node-proxy.js';
import { startNodeComponents } from './node-components.js';
import { startDns } from '../dns/index.js';

export interface ComponentOptions {
  dataDir: string;
  disable: Set<string>;
  log: Logger;
  nodeName?: string;
  nodeIP: string;
  podCIDR: string;
  lbPools: string[];
  clusterDomain: string;
  dnsPort?: number;
  dnsUpstreams?: string[];
  nodePortAddresses?: string[];
  proxyScheduler?: string;
  /** Pods run on nodes elsewhere (netns agents), found through this for logs and exec. */
  placement?: PodPlacement;
  /** The token the API server presents to agents' kubelet ports (server-only: logs and exec
   *  are forwarded there). */
  nodeToken?: string;
}

type Stop = () => Promise<void> | void;

/** Starts the enabled node-side components (node, proxy, DNS); returns their stops, last
 *  started first. */
export async function startComponents(server: ApiServer, o: ComponentOptions): Promise<Stop[]> {
  const stops: Stop[] = [];
  const client = (name: string): InProcessClient => new InProcessClient(server.rest, name);
  const nodeName = o.nodeName ?? hostname().toLowerCase();
  try {
    if (!o.disable.has('node') || o.placement) {
      const pods = await startPodHandlers(client('kubelet'), o.placement ?? singleHost(o.dataDir));
      stops.push(() => pods.stop());
      server.addSubresource('pods/log', pods.log);
      server.addUpgrade('pods/exec', pods.exec);
    } else if (o.nodeToken) {
      // No node here: the pod's node serves them on its kubelet port, as kube-apiserver proxies.
      const proxy = nodeProxy({ client: client('kube-apiserver'), token: o.nodeToken });
      server.addSubresource('pods/log', proxy.log);
      server.addUpgrade('pods/exec', proxy.exec);
    }
    const node = await startNodeComponents(client, { ...o, nodeName });
    stops.push(...node.stops.reverse());
    if (node.proxy) server.addMetrics(node.proxy.metrics);
    if (!o.disable.has('dns')) {
      const dns = await startDns({
        client: client('coredns'),
        log: o.log,
        clusterDomain: o.clusterDomain,
        port: o.dnsPort,
        upstreams: o.dnsUpstreams,
      });
      stops.push(() => dns.stop());
    }
    return stops;
  } catch (e) {
    for (const stop of stops.reverse()) await stop();
    throw e;
  }
}

/** Starts the controllers (kube-controller-manager's share; the leader runs them); returns
 *  their stops, last started first. */
export async function startControllers(server: ApiServer, o: Pick<ComponentOptions, 'log' | 'lbPools' | 'dataDir'>): Promise<Stop[]> {
  const stops: Stop[] = [];
  const client = (name: string): InProcessClient => new InProcessClient(server.rest, name);
  try {
    const workloads = await startWorkloadControllers({
      client: client('kube-controller-manager'),
      log: o.log,
      recorder: (component) => new EventRecorder(client(component), component),
      storageDir: join(o.dataDir, 'storage'),
    });
    stops.push(() => workloads.stop());
    const services = await startServiceControllers({
      client: client('kube-controller-manager'),
      log: o.log.child({ component: 'service-controllers' }),
      events: new EventRecorder(client('service-controller'), 'service-controller'),
      lbPools: o.lbPools,
    });
    stops.push(() => services.stop());
    return stops;
  } catch (e) {
    for (const stop of stops.reverse()) await stop();
    throw e;
  }
}
