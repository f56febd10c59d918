// tinykube's command line: `up` (all-in-one), `kubeconfig`, `help`.

import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startControlPlane } from './control-plane.js';
import { openLog } from './log.js';
import { explainCommand } from './explain-command.js';
import { dashboardCommand } from './dashboard-command.js';
import { agentCommand } from './agent-command.js';
import { onStop } from './signals.js';
import { startNetnsCluster } from './netns-cluster.js';
import { nodeIPs, podCIDRs, type ClusterPlan } from '../network/netns/names.js';
import { serverCommand } from './server-command.js';
import { FlagSet } from './flag-set.js';
import { CONTROL_PLANE_FLAGS, FLAGS, checkDataDirOwner, controlPlaneOptions, dataDirOf, list, parseCount, parseNetwork, parseNodes, parseProxyMode, type NetworkName } from './flags.js';
import { probeRootless } from '../network/rootless/probe.js';
import { insideUserns } from '../network/rootless/userns.js';
import { takeLifeline } from '../util/lifeline.js';
import { shadowHostDirs } from '../network/rootless/mounts.js';
import { upInUserns } from './rootless-up.js';
import { shellCommand } from './shell-command.js';
import { applyHeapPolicy } from './heap-policy.js';

const COMPONENTS = ['node', 'proxy', 'dns', 'controllers'];

const UP_FLAGS = new FlagSet(FLAGS, [
  ...CONTROL_PLANE_FLAGS,
  'disable',
  'node-name',
  'pod-cidr',
  'cluster-cidr',
  'cluster-domain',
  'dns-port',
  'dns-upstream',
  'dns-workers',
  'nodeport-addresses',
  'proxy-scheduler',
  'network',
  'nodes',
  'netns-prefix',
  'proxy-mode',
  'log-level',
], {
  disable: { help: `Comma-separated components to leave out: ${COMPONENTS.join(', ')}` },
  'cluster-cidr': { help: 'netns networks: the pod network, or two for dual-stack (primary first;\ndefault 10.244.0.0/16; e.g. 10.244.0.0/16,fd00:10:244::/56)' },
});

const HELP = `tinykube — the Kubernetes Service system in one program, driven by the real kubectl

Usage: tinykube <command> [flags]

Commands:
  up           Start everything in the foreground (API, store, controllers, node, proxy, DNS)
  server       API server + controllers (leader-elected), no node: several share one etcd (server --help)
  agent        Join a cluster as a node (node agent + proxy): agent --server URL --token T --ca-file F
  shell        shell [NODE] [--client] [-- CMD...]: a root shell (or CMD) on a node of the netns network
  explain      explain svc/NAME [-n NS]: what the proxy does with a connection to the Service
  dashboard    Print (--open: open) the URL of the live page of Services, endpoints and traffic
  migrate      --from DATA_DIR --to http://HOST:2379[,...] [--prefix /tinykube]: copy a SQLite data dir's store into etcd
  kubeconfig   Print the path of the kubeconfig of a data dir (--data-dir)
  help         Show this help

Flags of up:
${UP_FLAGS.help()}
Stop with Ctrl-C (SIGINT), SIGTERM or SIGHUP; a second \`up\` on the same data dir resumes.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'up' || command === 'server' || command === 'agent') applyHeapPolicy();
  switch (command) {
    case 'up':
      return up(rest);
    case 'server':
      return serverCommand(rest);
    case 'agent':
      return agentCommand(rest);
    case 'shell':
      return shellCommand(rest);
    case 'explain':
      return explainCommand(rest);
    case 'dashboard':
      return dashboardCommand(rest);
    case 'migrate':
      return (await import('./migrate-command.js')).migrateCommand(rest);
    case 'kubeconfig': {
      const { values } = parseArgs({ args: rest, options: { 'data-dir': { type: 'string' } } });
      console.log(join(dataDirOf(values['data-dir']), 'kubeconfig'));
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      return 0;
    default:
      process.stderr.write(`tinykube: unknown command "${command}"\n\n${HELP}`);
      return 2;
  }
}

async function up(args: string[]): Promise<number> {
  const values = UP_FLAGS.parse(args, HELP);
  if (!values) return 0;
  const disable = new Set(list(values.disable));
  for (const c of disable) {
    if (!COMPONENTS.includes(c)) throw new Error(`--disable: unknown component "${c}" (known: ${COMPONENTS.join(', ')})`);
  }
  const nodes = parseNodes(values.nodes);
  const options = controlPlaneOptions(values);
  const { dataDir } = options;
  checkDataDirOwner(dataDir);
  const network = insideUserns() ? 'rootless' : chooseNetwork(values.network);
  const proxyMode = parseProxyMode(values['proxy-mode'], network);
  const podCIDR = network === 'loopback' ? loopbackPodCIDR(values['pod-cidr']!, values['cluster-cidr']) : values['pod-cidr']!;
  if (network === 'loopback' && proxyMode !== 'userspace') throw new Error(`--proxy-mode ${proxyMode} programs the kernel: it needs a netns network (the loopback network uses userspace)`);
  // The rootless network runs this same command again inside a user namespace it holds.
  if (network === 'rootless' && !insideUserns()) return upInUserns(dataDir, ['up', ...args]);
  const log = openLog(dataDir, values['log-level']!);

  const common = {
    ...options,
    disable,
    log,
    nodeName: values['node-name'],
    podCIDR,
    clusterDomain: values['cluster-domain']!,
    dnsPort: values['dns-port'] !== undefined ? Number(values['dns-port']) : undefined,
    dnsUpstreams: values['dns-upstream'] !== undefined ? list(values['dns-upstream']) : undefined,
    dnsWorkers: parseCount('--dns-workers', values['dns-workers']!),
    nodePortAddresses: values['nodeport-addresses'] !== undefined ? list(values['nodeport-addresses']) : undefined,
    proxyScheduler: values['proxy-scheduler'],
  };
  const stopping = onStop(takeLifeline());
  let netns;
  try {
    if (insideUserns()) shadowHostDirs(join(dataDir, 'run', 'overlay'));
    netns =
      network === 'loopback'
        ? undefined
        : await startNetnsCluster({
            ...common,
            nodes,
            prefix: values['netns-prefix']!,
            proxyMode,
            logLevel: values['log-level']!,
            abort: stopping.signal,
            waitingFor: stopping.waitingFor,
            rootless: network === 'rootless',
            // The loopback network's default ClusterIP range is not this network's.
            serviceCIDRs: given(args, 'service-cidr') ? list(values['service-cidr']) : undefined,
            clusterCIDRs: values['cluster-cidr'] !== undefined ? list(values['cluster-cidr']) : undefined,
          });
  } catch (e) {
    // Stopped while starting: what started is gone again.
    if (stopping.signal.aborted) return 0;
    throw e;
  }
  const cp = netns?.cp ?? (await startControlPlane(common));
  log.info({ port: cp.port, dataDir }, 'tinykube is ready');
  process.stdout.write(
    `tinykube is ready — API at https://${values['bind-address'] === '0.0.0.0' ? '127.0.0.1' : values['bind-address']}:${cp.port}\n\n` +
      `  export KUBECONFIG=${cp.kubeconfigPath}\n` +
      `  kubectl get svc,endpoints -A\n` +
      `  kubectl apply -f examples/webapp.yaml\n\n` +
      `Network: ${networkLine(network, nodes, proxyMode)}\n` +
      (netns ? netnsHelp(netns.plan, network) : '') +
      `Logs: ${join(dataDir, 'logs', 'tinykube.log')}. Stop with Ctrl-C.\n`,
  );

  await stopping.done;
  process.stdout.write('tinykube: stopping\n');
  stopping.waitingFor('the control plane to stop');
  await (netns ?? cp).stop();
  log.flush();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`tinykube: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);

/** The network to run: as asked, or by default the rootless one where this machine allows it,
 *  else loopback with one line saying why and what would enable it. */
function chooseNetwork(flag: string | undefined): NetworkName {
  if (flag !== undefined) {
    const network = parseNetwork(flag);
    if (network === 'rootless') {
      const verdict = probeRootless();
      if (!verdict.ok) throw new Error(`--network rootless: ${verdict.cause}; to enable it: ${verdict.fix}`);
    }
    return network;
  }
  const verdict = probeRootless();
  if (verdict.ok) return 'rootless';
  process.stderr.write(`tinykube: no rootless netns network (${verdict.cause}): running on the loopback network, where Service names do not resolve inside pods; to enable it: ${verdict.fix}\n`);
  return 'loopback';
}

/** Whether `--NAME` is on the command line (not just its default). */
function given(args: string[], name: string): boolean {
  return args.some((a) => a === `--${name}` || a.startsWith(`--${name}=`));
}

/** The loopback network's pods are IPv4 only: they are addresses of the host's lo, and without
 *  root ::1 is the only IPv6 address a process can bind. Dual-stack Services still get both
 *  ClusterIPs; their endpoints are IPv4. A --cluster-cidr is the one node's pod network. */
function loopbackPodCIDR(podCIDR: string, clusterCIDR: string | undefined): string {
  const cidrs = list(clusterCIDR ?? podCIDR);
  if (cidrs.some((c) => c.includes(':')) || cidrs.length !== 1) {
    throw new Error(`the loopback network gives pods IPv4 addresses only (127.x on lo; without root ::1 is the only bindable IPv6 address): use one IPv4 CIDR, not "${cidrs.join(',')}" (dual-stack pods need --network rootless or netns)`);
  }
  return cidrs[0]!;
}

function networkLine(network: NetworkName, nodes: number, proxyMode: string): string {
  if (network === 'loopback') return 'loopback (pods and Services on 127.x, on this host), datapath userspace';
  const where = network === 'rootless' ? 'in a user namespace held by this process, no root' : 'in the host, as root';
  return `netns ${network === 'rootless' ? '(rootless) ' : ''}— ${nodes} node${nodes === 1 ? '' : 's'} ${where}, datapath ${proxyMode}`;
}

function netnsHelp(plan: ClusterPlan, network: NetworkName): string {
  const nodes = plan.nodes.map((n) => `${n.ns} ${nodeIPs(n).join(',')} pods ${podCIDRs(n).join(',')}`).join('\n    ');
  if (network === 'rootless') {
    return (
      `Nodes (network namespaces):\n    ${nodes}\n` +
      `On a node: tinykube shell [NODE] -- curl http://CLUSTER_IP:PORT/ (--client: the outside client at ${plan.clientIP})\n` +
      `From this host: curl http://127.0.0.1:NODE_PORT/ and http://EXTERNAL_IP:PORT/ (LoadBalancer)\n` +
      `This host as the cluster sees it: ${plan.hostGatewayIP} (manual Endpoints there reach 127.0.0.1 on the same port)\n` +
      `A pod: kubectl exec POD -- wget -qO- http://SERVICE/ (DNS at ${plan.dnsIPs.join(', ')})\n\n`
    );
  }
  return (
    `Nodes (network namespaces):\n    ${nodes}\n` +
    `An outside client: ip netns exec ${plan.clientNs} curl http://NODE_IP:NODE_PORT/ (or a LoadBalancer address from ${plan.lbPool})\n` +
    `A pod: kubectl exec POD -- wget -qO- http://SERVICE/ (DNS at ${plan.dnsIPs.join(', ')})\n\n`
  );
}
