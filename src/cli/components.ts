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
import { defaultServiceAccount, rootCaConfigMap, startPerNamespaceController } from '../controllers/per-namespace-object.js';
import { startClusterRoleAggregation } from '../controllers/clusterrole-aggregation.js';
import { startCertificateControllers } from '../controllers/certificates/index.js';
import { startPodHandlers } from '../node/pod-handlers.js';
import { singleHost, type PodPlacement } from '../node/pod-placement.js';
import { kubeletJson, kubeletText, nodeProxy } from '../control-plane/node-proxy.js';
import { KUBELET_CERTIFICATE_PATH, kubeletCertificates } from '../api/http/kubelet-certificates.js';
import { ensureClientCert, readCa } from '../api/tls.js';
import { resourceProxy, type LocalNode, type ResourceProxyDeps } from '../control-plane/resource-proxy.js';
import { R } from '../client/client.js';
import type { Node } from '../apis/core/nodes.js';
import type { TrafficReport } from '../proxy/traffic.js';
import { mountDashboard } from './dashboard/dashboard.js';
import { errors } from '../util/status-errors.js';
import { sendJson } from '../api/http/respond.js';
import { directDialer, podDialer } from '../node/portforward/dial.js';
import { startNodeComponents } from './node-components.js';
import { startDns } from '../dns/index.js';
import { MetricsServer } from '../control-plane/metrics-server.js';
import { startHorizontalPodAutoscaler } from '../controllers/podautoscaler/index.js';
import type { PodMetrics } from '../apis/metrics/metrics.js';
import { renderResourceMetrics } from '../api/metrics/resource-metrics.js';
import { nodeUsage } from '../node/resource-usage.js';

export interface ComponentOptions {
  dataDir: string;
  /** The service CIDRs, comma-separated: the DNS answers for their reverse zones itself. */
  serviceCIDR: string;
  disable: Set<string>;
  log: Logger;
  nodeName?: string;
  nodeIP: string;
  podCIDR: string;
  lbPools: string[];
  /** Proxy: LoadBalancer addresses are published by a load balancer in front of the nodes. */
  lbIPMode?: 'VIP' | 'Proxy';
  clusterDomain: string;
  dnsPort?: number;
  dnsUpstreams?: string[];
  dnsWorkers?: number;
  nodePortAddresses?: string[];
  proxyScheduler?: string;
  /** Pods run on nodes elsewhere (netns agents), found through this for logs and exec. */
  placement?: PodPlacement;
  /** The token the API server presents to agents' kubelet ports (server-only: logs and exec
   *  are forwarded there). */
  nodeToken?: string;
}

type Stop = () => Promise<void> | void;

/** services/proxy, pods/proxy and nodes/proxy. */
function addResourceProxy(server: ApiServer, deps: ResourceProxyDeps): void {
  const proxy = resourceProxy(deps);
  server.addSubresource('services/proxy', proxy.services);
  server.addSubresource('pods/proxy', proxy.pods);
  server.addSubresource('nodes/proxy', proxy.nodes);
}

/** Starts the enabled node-side components (node, proxy, DNS); returns their stops, last
 *  started first. */
export async function startComponents(server: ApiServer, o: ComponentOptions): Promise<Stop[]> {
  const stops: Stop[] = [];
  const client = (name: string): InProcessClient => new InProcessClient(server.rest, name, server.requestToken);
  const nodeName = o.nodeName ?? hostname().toLowerCase();
  try {
    // Agents that join (`server`, and `up`'s netns nodes) get their kubelet port's certificate here.
    const ca = readCa(o.dataDir);
    // What this server shows kubelet ports besides the node token (kubeadm's
    // apiserver-kubelet-client certificate): agents that joined with a bootstrap token accept it.
    const kubeletClient = o.nodeToken && ca ? await ensureClientCert(o.dataDir, 'apiserver-kubelet-client', ca, 'kube-apiserver-kubelet-client', ['system:masters']) : undefined;
    if (o.nodeToken && ca) {
      const sign = kubeletCertificates(ca);
      server.addRoute(KUBELET_CERTIFICATE_PATH, (req, res, _url, user) => sign(req, res, user));
    }
    // The node proxy's counters, once it runs here: nodes/NAME/proxy/traffic and the dashboard.
    let traffic: (() => Promise<TrafficReport>) | undefined;
    if (!o.disable.has('node') || o.placement) {
      const pods = await startPodHandlers(client('kubelet'), o.placement ?? singleHost(o.dataDir), nodeName);
      stops.push(() => pods.stop());
      server.addSubresource('pods/log', pods.log);
      server.addUpgrade('pods/exec', pods.exec);
      server.addUpgrade('pods/portforward', pods.portforward);
      const apiClient = client('kube-apiserver');
      const serve: LocalNode['serve'] = (req, res, path) => (path.split('?')[0] === '/traffic' && traffic ? traffic().then((t) => sendJson(res, 200, t)) : pods.endpoints(req, res, path));
      addResourceProxy(server, { client: apiClient, dial: podDialer(apiClient, o.placement ?? singleHost(o.dataDir)), nodeToken: o.nodeToken, kubeletClientCert: kubeletClient, localNode: { name: nodeName, serve } });
    } else if (o.nodeToken) {
      // No node here: the pod's node serves them on its kubelet port, as kube-apiserver proxies,
      // with a serving certificate this server's CA issued it when it joined.
      if (!ca) throw new Error(`no cluster CA in ${o.dataDir}/tls`);
      const proxy = nodeProxy({ client: client('kube-apiserver'), token: o.nodeToken, ca: ca.cert, clientCert: kubeletClient });
      server.addSubresource('pods/log', proxy.log);
      server.addUpgrade('pods/exec', proxy.upgrade);
      server.addUpgrade('pods/portforward', proxy.upgrade);
      addResourceProxy(server, { client: client('kube-apiserver'), dial: directDialer, nodeToken: o.nodeToken, kubeletClientCert: kubeletClient });
    }
    const node = await startNodeComponents(client, { ...o, nodeName, nodeIPs: [o.nodeIP], podCIDRs: [o.podCIDR] });
    stops.push(...node.stops.reverse());
    if (node.proxy) server.addMetrics(node.proxy.metrics);
    traffic = node.proxy?.traffic;
    const kubelets = ca && o.nodeToken ? { client: client('kube-apiserver'), token: o.nodeToken, ca: ca.cert, clientCert: kubeletClient } : undefined;
    // metrics.k8s.io: pods that run under this process's eyes (loopback, `up`'s netns nodes) are
    // measured here; agents elsewhere are scraped on their kubelet port, as metrics-server does.
    const hostsPods = !o.disable.has('node') || o.placement !== undefined;
    const metricsClient = client('metrics-server');
    const metrics = new MetricsServer({
      client: metricsClient,
      log: o.log,
      scrape: async (name) => {
        if (hostsPods) return renderResourceMetrics(await nodeUsage(metricsClient, o.placement ?? singleHost(o.dataDir), name));
        if (!kubelets) throw errors.unavailable(`node ${name}'s kubelet port is not reachable from this server`);
        return kubeletText(kubelets, name, '/metrics/resource');
      },
    });
    metrics.start();
    stops.push(() => metrics.stop());
    server.addVirtual('nodes.metrics.k8s.io', { list: () => metrics.nodes() });
    server.addVirtual('pods.metrics.k8s.io', { list: (ns) => metrics.pods(ns) });
    mountDashboard(server, {
      client: client('dashboard'),
      clusterDomain: o.clusterDomain,
      clusterCIDR: o.podCIDR,
      traffic: {
        nodeNames: async () => (await client('dashboard').list<Node>(R.nodes)).items.map((n) => n.metadata.name!),
        report: async (name) => {
          if (traffic && name === nodeName) return traffic();
          if (!kubelets) throw errors.unavailable(`node ${name}'s kubelet port is not reachable from this server`);
          // On the netns networks the agents' kubelet ports are inside node namespaces: dialled
          // from inside, as nodes/NAME/proxy is.
          return kubeletJson<TrafficReport>(o.placement ? { ...kubelets, dial: podDialer(kubelets.client, o.placement) } : kubelets, name, '/traffic');
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
        workers: o.dnsWorkers,
        reverseCidrs: o.serviceCIDR.split(','),
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
export async function startControllers(server: ApiServer, o: Pick<ComponentOptions, 'log' | 'lbPools' | 'lbIPMode' | 'dataDir'> & { caCert: string; caKey: string }): Promise<Stop[]> {
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
      lbIPMode: o.lbIPMode,
    });
    stops.push(() => services.stop());
    const accounts = await startPerNamespaceController(client('kube-controller-manager'), o.log.child({ controller: 'serviceaccount' }), defaultServiceAccount);
    stops.push(() => accounts.stop());
    const autoscaler = await startHorizontalPodAutoscaler({
      client: client('kube-controller-manager'),
      log: o.log.child({ controller: 'horizontal-pod-autoscaler' }),
      events: new EventRecorder(client('horizontal-pod-autoscaler'), 'horizontal-pod-autoscaler'),
      podMetrics: async (ns) => (await server.listVirtual('pods.metrics.k8s.io', ns)) as PodMetrics[],
    });
    stops.push(() => autoscaler.stop());
    const rootCa = await startPerNamespaceController(client('kube-controller-manager'), o.log.child({ controller: 'root-ca-cert-publisher' }), rootCaConfigMap(o.caCert));
    stops.push(() => rootCa.stop());
    const aggregation = await startClusterRoleAggregation(client('clusterrole-aggregation-controller'), o.log.child({ controller: 'clusterrole-aggregation' }));
    stops.push(() => aggregation.stop());
    const certificates = await startCertificateControllers({
      client: client('certificate-controller'),
      ca: { cert: o.caCert, key: o.caKey },
      // The SubjectAccessReview the approver asks, for the user the CSR records.
      mayCreate: async (csr, subresource) => {
        const { username, uid, groups, extra } = csr.spec;
        const user = { username: username ?? '', uid, groups: groups ?? [], extra };
        return (await server.authorizer.authorize({ user, verb: 'create', isResource: true, apiGroup: 'certificates.k8s.io', resource: 'certificatesigningrequests', subresource })).allowed;
      },
      log: o.log,
    });
    stops.push(() => certificates.stop());
    return stops;
  } catch (e) {
    for (const stop of stops.reverse()) await stop();
    throw e;
  }
}
