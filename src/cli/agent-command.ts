// `tinykube agent --server URL --token T`: a node (agent + proxy) that joins a cluster over
// HTTPS, as k3s's agent does. The CA comes from --ca-file, or from the server's data dir when
// the agent shares its filesystem (netns nodes on one machine).

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { HttpsClient, type Endpoint } from '../client/https.js';
import { bootstrapTokenId } from '../api/auth/bootstrap-token.js';
import { nodeKubeconfigPath, renewalTime, requestNodeCredential, storedCredential, writeNodeKubeconfig, type NodeCredential } from '../node/client-certificate.js';
import { openLog } from './log.js';
import { startNodeComponents, type NodeComponentOptions } from './node-components.js';
import { netnsPodNetwork } from '../node/runtime/netns-network.js';
import { DNS_IP, podNs, type FamilyNetwork, type NodeNetwork } from '../network/netns/names.js';
import { FlagSet } from './flag-set.js';
import { FLAGS, parseNetwork, parseProxyMode, type FlagName } from './flags.js';
import { cidrAddressAt, parseCIDR } from '../util/cidr.js';
import { kubeletServingCertificate, listenKubelet } from '../node/kubelet-server.js';
import { startApiRelay } from '../node/api-relay.js';
import { startPodHandlers } from '../node/pod-handlers.js';
import { singleHost, type PodPlacement } from '../node/pod-placement.js';
import { onStop } from './signals.js';
import { takeLifeline } from '../util/lifeline.js';
import { privateMemoryDir } from '../node/volumes/memory-dir.js';

const AGENT_FLAGS = new FlagSet(
  FLAGS,
  [
    'server',
    'token',
    'token-file',
    'ca-file',
    'data-dir',
    'node-name',
    'node-ip',
    'pod-cidr',
    'disable',
    'kubelet-port',
    'node-lease-duration-seconds',
    'network',
    'netns-prefix',
    'proxy-mode',
    'cluster-cidr',
    'service-cidr',
    'announce-interface',
    'cluster-domain',
    'dns-ip',
    'nodeport-addresses',
    'proxy-scheduler',
    'log-level',
  ],
  {
    'data-dir': { default: join(process.env.HOME ?? '/root', '.tinykube-agent'), help: "Pods' logs and state (default ~/.tinykube-agent)" },
    disable: { help: 'node, proxy' },
    'pod-cidr': { help: "This node's pod addresses (default 127.244.0.0/16); dual-stack: one\nCIDR per family, in --node-ip's order" },
    network: {
      arg: 'loopback|netns',
      default: 'loopback',
      help: "netns: each pod in its own network namespace on this node's cni0\nbridge (the node runs inside a namespace `up --network netns` built)",
    },
    // No default: only userspace mode on netns binds the range (as AnyIP).
    'service-cidr': { default: undefined, help: 'ClusterIP range (userspace mode on netns binds it as AnyIP)' },
  },
);

const HELP = `Usage: tinykube agent --server URL --token T [flags]

${AGENT_FLAGS.help()}`;

export async function agentCommand(args: string[]): Promise<number> {
  const values = AGENT_FLAGS.parse(args, HELP);
  if (!values) return 0;
  const token = values.token ?? (values['token-file'] ? readFileSync(values['token-file'], 'utf8').trim() : undefined);
  if (!values.server || !token || !values['ca-file']) {
    process.stderr.write(`tinykube agent: --server, --token (or --token-file) and --ca-file are required\n\n${HELP}`);
    return 2;
  }
  const ca = readFileSync(values['ca-file'], 'utf8');
  const nodeLeaseDurationSeconds = Number(values['node-lease-duration-seconds']);
  if (!(nodeLeaseDurationSeconds > 0)) throw new Error(`--node-lease-duration-seconds: "${values['node-lease-duration-seconds']}" is not a positive number`);
  const kubeletPort = Number(values['kubelet-port']);
  if (!Number.isInteger(kubeletPort) || kubeletPort < 0 || kubeletPort > 65535) throw new Error(`--kubelet-port: "${values['kubelet-port']}" is not a port`);
  const dataDir = values['data-dir']!;
  const log = openLog(dataDir, values['log-level']!);
  const nodeName = values['node-name'] ?? hostname().toLowerCase();
  // Dual-stack: an address and a pod CIDR per family, primary first (kubelet's --node-ip).
  const nodeIPs = values['node-ip']!.split(',');
  const podCIDRs = values['pod-cidr']!.split(',');
  // Started by `up` (a netns node): stopped also when `up` is gone, even killed.
  const lifeline = takeLifeline();
  void lifeline?.then(() => log.warn('the process that started this agent has gone: stopping'));
  const stopping = onStop(lifeline);
  // What has started, last started first. A stop asked for while starting (the agent's `up`
  // killed while it joined) stops what has started, without waiting for a start that waits on a
  // server that has gone; so does a start that failed.
  const stops: Stop[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.splice(0)) await stop();
  };
  const start = async (): Promise<void> => {
    // The agent's own identity (system:node:NAME), obtained with the token through a CSR; every
    // client uses it, and picks up a renewed certificate on its next connection.
    const endpoint: Endpoint = { server: values.server!, ca, cert: await nodeCredential(values.server!, ca, token, dataDir, nodeName, log) };
    const renewal = scheduleRenewal(endpoint, dataDir, nodeName, log);
    stops.unshift(() => renewal.stop());
    const clients: HttpsClient[] = [];
    stops.unshift(() => clients.forEach((c) => c.close()));
    const clientFor = (component: string): HttpsClient => {
      const c = new HttpsClient(endpoint, component);
      clients.push(c);
      return c;
    };
    const disable = new Set((values.disable ?? '').split(',').filter(Boolean));
    // Bound first, so the Node records its port; it serves once the agent has joined.
    const kubelet = disable.has('node')
      ? undefined
      : await listenKubelet({ token: bootstrapTokenId(token) ? undefined : token, clientCA: ca, host: nodeIPs[0]!, port: kubeletPort, tls: await kubeletServingCertificate(clientFor('kubelet'), nodeName, nodeIPs[0]!) });
    if (kubelet) stops.unshift(() => kubelet.close());
    // The node's parts register their stops as each starts.
    const nodeStops: Stop[] = [];
    stops.unshift(async () => {
      for (const stop of nodeStops.splice(0)) await stop();
    });
    const node = await startNodeComponents(clientFor, {
      dataDir,
      disable,
      log,
      nodeName,
      nodeIPs,
      podCIDRs,
      nodePortAddresses: values['nodeport-addresses']?.split(','),
      proxyScheduler: values['proxy-scheduler'],
      nodeLeaseDurationSeconds,
      kubeletPort: kubelet?.port,
      memoryDir: values.network === 'netns' ? privateMemoryDir(dataDir, log) : undefined,
      ...nodeNetwork(values, nodeName, nodeIPs, podCIDRs),
    }, nodeStops);
    const pods = kubelet && (await startPodHandlers(clientFor('kubelet'), agentPlacement(values, dataDir), nodeName));
    if (pods) stops.unshift(() => pods.stop());
    // Pods reach the API through the `kubernetes` Service; on the netns network via this node.
    const socket = values.server!.startsWith('unix://') && values.network === 'netns' ? values.server!.slice('unix://'.length) : undefined;
    const relay = socket ? await startApiRelay(clientFor('kubelet'), socket) : undefined;
    if (relay) stops.unshift(() => relay.close());
    if (pods) kubelet!.serve({ ...pods, traffic: node.proxy?.traffic });
  };
  const starting = start();
  // Left behind by a stop while starting: its late failure is no news.
  starting.catch(() => undefined);
  let stoppedWhileStarting: boolean;
  try {
    stoppedWhileStarting = await Promise.race([starting.then(() => false), stopping.done.then(() => true)]);
  } catch (e) {
    await stopAll();
    if (stopping.signal.aborted) return 0;
    throw e;
  }
  if (!stoppedWhileStarting) {
    log.info({ server: values.server, nodeName }, 'agent is ready');
    process.stdout.write(`tinykube agent: node ${nodeName} joined ${values.server}\n`);
    await stopping.done;
  }
  stopping.waitingFor("the node's pods, proxy and datapath to stop");
  await stopAll();
  log.flush();
  return 0;
}

type Stop = () => Promise<void> | void;

/** This node's credential: the one in its data dir if still good, else a new one asked for
 *  with the token (a bootstrap token, or the node token). */
async function nodeCredential(server: string, ca: string, token: string, dataDir: string, nodeName: string, log: Logger): Promise<NodeCredential> {
  const stored = await storedCredential(dataDir, nodeName, ca, Date.now());
  if (stored) return stored;
  const bootstrap = new HttpsClient({ server, ca, token }, 'kubelet');
  try {
    const cred = await requestNodeCredential(bootstrap, nodeName, { log: (msg) => log.info(msg) });
    writeNodeKubeconfig(dataDir, nodeName, server, ca, cred);
    log.info({ kubeconfig: nodeKubeconfigPath(dataDir) }, `joined as system:node:${nodeName}`);
    return cred;
  } finally {
    bootstrap.close();
  }
}

/** Renews the certificate with itself before it expires (timers cap at ~24.8 days: re-armed). */
function scheduleRenewal(endpoint: Endpoint, dataDir: string, nodeName: string, log: Logger): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    const wait = Math.max(0, renewalTime(endpoint.cert!.cert) - Date.now());
    timer = setTimeout(() => (wait > MAX_TIMER_MS ? arm() : void renew()), Math.min(wait, MAX_TIMER_MS));
    timer.unref();
  };
  const renew = async (): Promise<void> => {
    const client = new HttpsClient({ ...endpoint }, 'kubelet');
    try {
      endpoint.cert = await requestNodeCredential(client, nodeName);
      writeNodeKubeconfig(dataDir, nodeName, endpoint.server, endpoint.ca, endpoint.cert);
      log.info('renewed the node client certificate');
    } catch (err) {
      log.warn({ err }, 'could not renew the node client certificate; trying again in a minute');
      timer = setTimeout(() => void renew(), 60_000);
      timer.unref();
      return;
    } finally {
      client.close();
    }
    arm();
  };
  arm();
  return { stop: () => clearTimeout(timer) };
}

const MAX_TIMER_MS = 2 ** 31 - 1;

type AgentFlags = Partial<Record<FlagName, string>>;

/** Where this agent's pods are, for its kubelet port: its data dir, and on netns each pod's own
 *  namespace (the agent itself runs in the node's, which hostNetwork pods share). */
function agentPlacement(v: AgentFlags, dataDir: string): PodPlacement {
  if (v.network !== 'netns') return singleHost(dataDir);
  const prefix = v['netns-prefix']!;
  return { dataDir: () => dataDir, netns: (pod) => (pod.spec?.hostNetwork ? undefined : podNs(prefix, pod.metadata.uid!)) };
}

/** The pods' network and the proxy's datapath the flags ask for. */
function nodeNetwork(v: AgentFlags, nodeName: string, nodeIPs: string[], podCIDRs: string[]): Pick<NodeComponentOptions, 'network' | 'proxy'> {
  const network = parseNetwork(v.network);
  const mode = parseProxyMode(v['proxy-mode'], network);
  const serviceCIDR = v['service-cidr'];
  const proxy = {
    mode,
    clusterCIDR: v['cluster-cidr'],
    announceInterface: v['announce-interface'],
    anyIPCIDRs: network === 'netns' && mode === 'userspace' && serviceCIDR ? serviceCIDR.split(',') : undefined,
  };
  if (network === 'loopback') return { proxy };
  // The node's namespace is named after the node (src/network/netns/names.ts); its cni0 holds
  // the first address of each pod CIDR, every pod's gateway.
  const sides = podCIDRs.map((podCIDR, i): FamilyNetwork & { v6: boolean } => {
    const cidr = parseCIDR(podCIDR);
    if (!cidr) throw new Error(`--pod-cidr: "${podCIDR}" is not a CIDR`);
    if (!nodeIPs[i]) throw new Error(`--node-ip: give an address for each --pod-cidr family (${podCIDRs.join(',')})`);
    return { nodeIP: nodeIPs[i], podCIDR, gateway: cidrAddressAt(cidr, 1), v6: cidr.family === 'IPv6' };
  });
  const v4 = sides.find((s) => !s.v6);
  const v6 = sides.find((s) => s.v6);
  if (!v4) throw new Error(`--pod-cidr: "${v['pod-cidr']}": the netns network needs an IPv4 pod CIDR`);
  const node: NodeNetwork = {
    index: 0,
    ns: nodeName,
    nodeIP: v4.nodeIP,
    podCIDR: v4.podCIDR,
    gateway: v4.gateway,
    ...(v6 ? { v6: { nodeIP: v6.nodeIP, podCIDR: v6.podCIDR, gateway: v6.gateway } } : {}),
    ...(sides[0]!.v6 ? { v6Primary: true as const } : {}),
  };
  return {
    proxy,
    network: netnsPodNetwork({ prefix: v['netns-prefix']!, node, clusterDomain: v['cluster-domain']!, dnsIPs: (v['dns-ip'] ?? DNS_IP).split(',') }),
  };
}
