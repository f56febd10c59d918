// What runs on a node: the node agent (kubelet) and the proxy (kube-proxy). `up` runs them in
// its own process with in-process clients; `tinykube agent` runs them anywhere, over HTTPS.

import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Client } from '../client/client.js';
import { EventRecorder } from '../client/events.js';
import { startNodeAgent } from '../node/agent.js';
import { startProxy, type ProxyOptions, type RunningProxy } from '../proxy/index.js';
import type { PodNetwork } from '../node/pod-placement.js';
import { PROXY_HEALTHZ_PORT, PROXY_LOG } from '../proxy/kube-proxy-daemonset.js';
import { componentLog } from './log.js';

export interface NodeComponentOptions {
  dataDir: string;
  /** Components left out: node, proxy. */
  disable: Set<string>;
  log: Logger;
  nodeName: string;
  /** One per family, primary first. */
  nodeIPs: string[];
  podCIDRs: string[];
  nodePortAddresses?: string[];
  proxyScheduler?: string;
  /** Pods' network; default: the host's (loopback). */
  network?: PodNetwork;
  nodeLeaseDurationSeconds?: number;
  /** The port the agent's kubelet server listens on, for the Node's daemonEndpoints. */
  kubeletPort?: number;
  /** A tmpfs private to the agent for secret and projected volumes. */
  memoryDir?: string;
  /** The proxy's datapath and what it needs of the network (kernel modes, announcement). */
  proxy?: Pick<ProxyOptions, 'mode' | 'clusterCIDR' | 'announceInterface' | 'anyIPCIDRs'>;
}

export interface NodeComponents {
  proxy?: RunningProxy;
  /** Last started first. */
  stops: (() => Promise<void> | void)[];
}

/** Starts the node agent and the proxy, each with its own client (its name in managedFields).
 *  Each part's stop goes into `stops` as soon as it has started, for a caller that stops while
 *  this still starts; a failed start runs them. */
export async function startNodeComponents(clientFor: (component: string) => Client, o: NodeComponentOptions, stops: NodeComponents['stops'] = []): Promise<NodeComponents> {
  try {
    if (!o.disable.has('node')) {
      const agent = await startNodeAgent({ client: clientFor('kubelet'), log: o.log, nodeName: o.nodeName, dataDir: o.dataDir, podCIDRs: o.podCIDRs, nodeIPs: o.nodeIPs, network: o.network, nodeLeaseDurationSeconds: o.nodeLeaseDurationSeconds, kubeletPort: o.kubeletPort, memoryDir: o.memoryDir });
      stops.unshift(() => agent.stop());
    }
    let proxy: RunningProxy | undefined;
    if (!o.disable.has('proxy')) {
      const client = clientFor('kube-proxy');
      // Also in a file of its own: the kube-proxy DaemonSet's pod on this node shows it.
      const proxyLog = componentLog(o.log, join(o.dataDir, PROXY_LOG));
      stops.unshift(() => proxyLog.close());
      proxy = await startProxy({
        client,
        log: proxyLog.log,
        events: new EventRecorder(client, 'kube-proxy', o.nodeName),
        nodeName: o.nodeName,
        nodeIPs: o.nodeIPs,
        nodePortAddresses: o.nodePortAddresses,
        defaultScheduler: o.proxyScheduler,
        // kube-proxy's ports, on the node's addresses.
        healthzPort: PROXY_HEALTHZ_PORT,
        metricsPort: 10249,
        ...o.proxy,
      });
      stops.unshift(() => proxy!.stop());
    }
    return { proxy, stops };
  } catch (e) {
    for (const stop of stops.splice(0)) await stop();
    throw e;
  }
}
