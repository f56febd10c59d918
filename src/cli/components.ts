// The components `up` runs next to the API server, each with its own in-process client and
// its own name in managedFields and Events: controllers, the node agent, the proxy, DNS.

import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { ApiServer } from '../api/server.js';
import { InProcessClient } from '../client/in-process.js';
import { EventRecorder } from '../client/events.js';
import { startWorkloadControllers } from '../controllers/workloads.js';
import { startServiceControllers } from '../controllers/services.js';
import { startPodHandlers } from '../node/pod-handlers.js';
import { singleHost, type PodPlacement } from '../node/pod-placement.js';
import { kubeletJson, nodeProxy, nodesProxy } from '../api/http/node-proxy.js';
import { R } from '../client/client.js';
import type { Node } from '../apis/core/nodes.js';
import type { TrafficReport } from '../proxy/traffic.js';
import { mountDashboard } from './dashboard/dashboard.js';
import { errors } from '../api/errors.js';
import { sendJson } from '../api/http/respond.js';
import type { SubresourceHandler } from '../api/http/resource-handler.js';
import type { RunningProxy } from '../proxy/index.js';
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
    const kubelets = { client: client('kube-apiserver'), token: o.nodeToken ?? '' };
    // On the netns network the agents' kubelet ports are inside node namespaces: never dialled
    // from the host's namespace.
    const dial = !o.placement;
    if (dial) server.addSubresource('nodes/proxy', nodesProxy(kubelets, node.proxy && localTraffic(nodeName, node.proxy)));
    mountDashboard(server, {
      client: client('dashboard'),
      clusterDomain: o.clusterDomain,
      clusterCIDR: o.podCIDR,
      traffic: {
        nodeNames: async () => (await kubelets.client.list<Node>(R.nodes)).items.map((n) => n.metadata.name!),
        report: async (name) => {
          if (node.proxy && name === nodeName) return node.proxy.traffic();
          if (!dial) throw errors.unavailable(`node ${name}'s kubelet port is inside its network namespace`);
          return kubeletJson<TrafficReport>(kubelets, name, '/traffic');
        },
      },
    });
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

/** nodes/NODE/proxy/traffic for the node in this process, answered by its proxy at once. */
function localTraffic(nodeName: string, proxy: RunningProxy): { nodeName: string; handler: SubresourceHandler } {
  return {
    nodeName,
    handler: async (_req, res, info) => {
      if (info.rest.join('/') !== 'traffic') throw errors.noSuchPath();
      sendJson(res, 200, proxy.traffic());
    },
  };
}

/** Starts the controllers (kube-controller-manager's share; the leader runs them); returns
 *  their stops, last started first. */
export async function startControllers(server: ApiServer, o: Pick<ComponentOptions, 'log' | 'lbPools'>): Promise<Stop[]> {
  const stops: Stop[] = [];
  const client = (name: string): InProcessClient => new InProcessClient(server.rest, name);
  try {
    const workloads = await startWorkloadControllers({
      client: client('kube-controller-manager'),
      log: o.log,
      recorder: (component) => new EventRecorder(client(component), component),
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
