// `tinykube agent --server URL --token T`: a node (agent + proxy) that joins a cluster over
// HTTPS, as k3s's agent does. The CA comes from --ca-file, or from the server's data dir when
// the agent shares its filesystem (netns nodes on one machine).

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HttpsClient } from '../client/https.js';
import { openLog } from './log.js';
import { startNodeComponents, type NodeComponentOptions } from './node-components.js';
import { netnsPodNetwork } from '../node/runtime/netns-network.js';
import { DNS_IP, podNs } from '../network/netns/names.js';
import { parseNetwork, parseProxyMode } from './flags.js';
import { addressAt, parseIPv4CIDR } from '../util/ip.js';
import { KUBELET_PORT, kubeletServingCertificate, listenKubelet } from '../node/kubelet-server.js';
import { startApiRelay } from '../node/api-relay.js';
import { startPodHandlers } from '../node/pod-handlers.js';
import { singleHost, type PodPlacement } from '../node/pod-placement.js';

import { onStop } from './signals.js';

const HELP = `Usage: tinykube agent --server URL --token T [flags]

  --server URL[,URL...]   API servers: https://HOST:PORT, or unix:///PATH/api.sock; when one
                          cannot be reached the agent moves to the next and resumes its watches
  --token T | --token-file F
                          The node token (the server's DATA_DIR/node-token)
  --ca-file F             The cluster CA certificate (the server's DATA_DIR/tls/ca.crt)
  --data-dir DIR          Pods' logs and state (default ~/.tinykube-agent)
  --node-name NAME        This node's name (default: the host name)
  --node-ip IP            This node's address (default 127.0.0.1)
  --pod-cidr CIDR         Addresses for this node's pods (default 127.244.0.0/16)
  --disable LIST          node, proxy
  --kubelet-port N        Serves pods' logs and exec to the API servers on NODE_IP:N (HTTPS,
                          self-signed, node token required; default 10250; 0 picks a free port)
  --node-lease-duration-seconds N
                          The node Lease's duration, renewed every quarter of it (default 40)
  --network loopback|netns
                          netns: each pod in its own network namespace on this node's cni0
                          bridge (the node runs inside a namespace \`up --network netns\` built)
  --netns-prefix P        Names of the network's namespaces (default tinykube)
  --proxy-mode MODE       userspace (default on loopback), nftables (default on netns), iptables, ipvs
  --cluster-cidr CIDR     The pod network (kernel modes masquerade traffic from outside it)
  --service-cidr CIDR     ClusterIP range (userspace mode on netns binds it as AnyIP)
  --announce-interface IF Announce this node's LoadBalancer addresses on IF (ARP)
  --cluster-domain NAME, --dns-ip IP
                          Pods' resolv.conf (netns; default cluster.local, 10.96.0.10)
  --nodeport-addresses LIST, --proxy-scheduler NAME, --log-level LEVEL: as for up
`;

export async function agentCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      server: { type: 'string' },
      token: { type: 'string' },
      'token-file': { type: 'string' },
      'ca-file': { type: 'string' },
      'data-dir': { type: 'string', default: join(process.env.HOME ?? '/root', '.tinykube-agent') },
      'node-name': { type: 'string' },
      'node-ip': { type: 'string', default: '127.0.0.1' },
      'pod-cidr': { type: 'string', default: '127.244.0.0/16' },
      disable: { type: 'string', default: '' },
      'nodeport-addresses': { type: 'string' },
      'proxy-scheduler': { type: 'string', default: 'rr' },
      'log-level': { type: 'string', default: 'info' },
      'node-lease-duration-seconds': { type: 'string', default: '40' },
      'kubelet-port': { type: 'string', default: String(KUBELET_PORT) },
      network: { type: 'string', default: 'loopback' },
      'netns-prefix': { type: 'string', default: 'tinykube' },
      'proxy-mode': { type: 'string' },
      'cluster-cidr': { type: 'string' },
      'service-cidr': { type: 'string' },
      'announce-interface': { type: 'string' },
      'cluster-domain': { type: 'string', default: 'cluster.local' },
      'dns-ip': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
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
  const clients: HttpsClient[] = [];
  const clientFor = (component: string): HttpsClient => {
    const c = new HttpsClient({ server: values.server!, ca, token }, component);
    clients.push(c);
    return c;
  };
  const stopping = onStop();
  const disable = new Set((values.disable ?? '').split(',').filter(Boolean));
  // Bound first, so the Node records its port; it serves once the agent has joined.
  const kubelet = disable.has('node')
    ? undefined
    : await listenKubelet({ token, host: values['node-ip']!, port: kubeletPort, tls: await kubeletServingCertificate(clientFor('kubelet'), nodeName, values['node-ip']!) });
  const node = await startNodeComponents(clientFor, {
    dataDir,
    disable,
    log,
    nodeName,
    nodeIP: values['node-ip']!,
    podCIDR: values['pod-cidr']!,
    nodePortAddresses: values['nodeport-addresses']?.split(','),
    proxyScheduler: values['proxy-scheduler'],
    nodeLeaseDurationSeconds,
    kubeletPort: kubelet?.port,
    ...nodeNetwork(values, nodeName),
  }).catch(async (e: unknown) => {
    await kubelet?.close();
    throw e;
  });
  const pods = kubelet && (await startPodHandlers(clientFor('kubelet'), agentPlacement(values, dataDir), nodeName));
  // Pods reach the API through the `kubernetes` Service; on the netns network via this node.
  const socket = values.server!.startsWith('unix://') && values.network === 'netns' ? values.server!.slice('unix://'.length) : undefined;
  const relay = socket ? await startApiRelay(clientFor('kubelet'), socket) : undefined;
  if (pods) kubelet!.serve({ ...pods, traffic: node.proxy?.traffic });
  log.info({ server: values.server, nodeName, kubeletPort: kubelet?.port }, 'agent is ready');
  process.stdout.write(`tinykube agent: node ${nodeName} joined ${values.server}\n`);
  await stopping.done;
  for (const stop of node.stops) await stop();
  pods?.stop();
  await relay?.close();
  await kubelet?.close();
  for (const c of clients) c.close();
  log.flush();
  return 0;
}

type AgentFlags = Record<string, string | boolean | undefined>;

/** Where this agent's pods are, for its kubelet port: its data dir, and on netns each pod's own
 *  namespace (the agent itself runs in the node's, which hostNetwork pods share). */
function agentPlacement(v: AgentFlags, dataDir: string): PodPlacement {
  if (v.network !== 'netns') return singleHost(dataDir);
  const prefix = v['netns-prefix'] as string;
  return { dataDir: () => dataDir, netns: (pod) => (pod.spec?.hostNetwork ? undefined : podNs(prefix, pod.metadata.uid!)) };
}

/** The pods' network and the proxy's datapath the flags ask for. */
function nodeNetwork(v: AgentFlags, nodeName: string): Pick<NodeComponentOptions, 'network' | 'proxy'> {
  const str = (k: string): string | undefined => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const network = parseNetwork(str('network'));
  const mode = parseProxyMode(str('proxy-mode'), network);
  const serviceCIDR = str('service-cidr');
  const proxy = {
    mode,
    clusterCIDR: str('cluster-cidr'),
    announceInterface: str('announce-interface'),
    anyIPCIDRs: network === 'netns' && mode === 'userspace' && serviceCIDR ? [serviceCIDR] : undefined,
  };
  if (network === 'loopback') return { proxy };
  const podCIDR = parseIPv4CIDR(str('pod-cidr')!);
  if (!podCIDR) throw new Error(`--pod-cidr: "${str('pod-cidr')}" is not an IPv4 CIDR`);
  // The node's namespace is named after the node (src/network/netns/names.ts); its cni0 holds
  // the first address of the pod CIDR, every pod's gateway.
  const node = { index: 0, ns: nodeName, nodeIP: str('node-ip')!, podCIDR: str('pod-cidr')!, gateway: addressAt(podCIDR, 1) };
  return {
    proxy,
    network: netnsPodNetwork({ prefix: str('netns-prefix')!, node, clusterDomain: str('cluster-domain')!, dnsIP: str('dns-ip') ?? DNS_IP }),
  };
}
