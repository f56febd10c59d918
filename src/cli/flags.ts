// The flags of `up`, `server` and `agent`, each declared once, and the parsing of their values.

import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseDuration } from '../util/duration.js';
import { formatCIDRText } from '../util/cidr.js';
import { parseServiceCIDRs } from '../apis/core/service/index.js';
import type { LeaderElectionTiming } from '../client/leader-election.js';
import type { ControlPlaneOptions } from './control-plane.js';
import type { ProxyModeName } from '../proxy/index.js';
import { MAX_NODES } from '../network/netns/names.js';
import { KUBELET_PORT } from '../node/kubelet-server.js';
import type { FlagSpec } from './flag-set.js';

export type NetworkName = 'rootless' | 'netns' | 'loopback';
const NETWORKS: NetworkName[] = ['rootless', 'netns', 'loopback'];
const PROXY_MODES: ProxyModeName[] = ['userspace', 'nftables', 'iptables', 'ipvs'];

export function parseNetwork(v: string | undefined): NetworkName {
  if (!NETWORKS.includes(v as NetworkName)) throw new Error(`--network: "${v}" is not one of ${NETWORKS.join(', ')}`);
  return v as NetworkName;
}

/** --proxy-mode; by default nftables on the netns networks and userspace on loopback. */
export function parseProxyMode(v: string | undefined, network: NetworkName): ProxyModeName {
  const mode = v ?? (network === 'loopback' ? 'userspace' : 'nftables');
  if (!PROXY_MODES.includes(mode as ProxyModeName)) throw new Error(`--proxy-mode: "${mode}" is not one of ${PROXY_MODES.join(', ')}`);
  return mode as ProxyModeName;
}

export function dataDirOf(v: string | undefined): string {
  return v ?? join(homedir(), '.tinykube');
}

/** A comma-separated list, empty items dropped. */
export function list(v: string | undefined): string[] {
  return (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/** --nodes of the netns networks. */
export function parseNodes(v: string | undefined): number {
  const n = Number(v);
  if (!/^\d+$/.test(v ?? '') || n < 1 || n > MAX_NODES) throw new Error(`--nodes: "${v}" is not a node count between 1 and ${MAX_NODES}`);
  return n;
}

/** A data dir must be the user's own: files made in another's would be out of its reach, or
 *  out of the owner's. Checked before anything is created. */
export function checkDataDirOwner(dir: string): void {
  let st;
  try {
    st = statSync(dir);
  } catch {
    return;
  }
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) throw new Error(`--data-dir ${dir} belongs to another user (uid ${st.uid}, you are ${uid}): choose a directory of your own`);
  if (!st.isDirectory()) throw new Error(`--data-dir ${dir} is not a directory`);
}

/** A count of at least 1 (`--dns-workers`). */
export function parseCount(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: "${v}" is not a whole number of at least 1`);
  return n;
}

function parsePortRange(v: string): { min: number; max: number } {
  const m = /^(\d+)-(\d+)$/.exec(v);
  const min = Number(m?.[1]);
  const max = Number(m?.[2]);
  if (!m || min < 1 || max > 65535 || min > max) throw new Error(`--service-node-port-range: "${v}" is not a range like 30000-32767`);
  return { min, max };
}

function parsePort(flag: string, v: string | undefined): number {
  const port = Number(v);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--${flag}: "${v}" is not a port`);
  return port;
}

/** Every flag of `up`, `server` and `agent`, declared once (flag-set.ts). */
export const FLAGS = {
  // Where the control plane keeps its state and how it serves (`up`, `server`).
  'data-dir': { arg: 'DIR', help: 'State, certificates, tokens, kubeconfig, logs (default ~/.tinykube)' },
  'api-port': { arg: 'N', default: '6443', help: 'HTTPS port of the API server (default 6443; 0 picks a free port)' },
  'bind-address': { arg: 'IP', default: '127.0.0.1', help: 'Address the API server listens on and advertises (default 127.0.0.1)' },
  'datastore-endpoint': {
    arg: 'LIST',
    help: 'etcd endpoints (http://a:2379,http://b:2379); several servers share one;\ndefault: SQLite in the data dir (one server)',
  },
  'datastore-prefix': { arg: 'P', help: 'Key prefix in etcd, so clusters can share one (default /tinykube)' },
  'service-cidr': {
    arg: 'CIDR[,CIDR]',
    default: '127.96.0.0/16',
    help: 'ClusterIP ranges: one, or an IPv4 and an IPv6 one for dual-stack, the\nprimary family first (default 127.96.0.0/16)',
  },
  'service-node-port-range': { arg: 'A-B', default: '30000-32767', help: 'NodePort range (default 30000-32767)' },
  'lb-pool': { arg: 'LIST', default: '127.240.0.0/24', help: 'LoadBalancer address pools, CIDRs or A-B ranges (default 127.240.0.0/24)' },
  // The control plane's timings, as kube-controller-manager names them.
  'leader-elect-lease-duration': {
    arg: 'D, --leader-elect-renew-deadline D, --leader-elect-retry-period D',
    default: '15s',
    help: "Leader election of the controllers (default 15s, 10s, 2s); the lease\nduration and retry period also time the API servers' identity leases",
  },
  'leader-elect-renew-deadline': { arg: 'D', default: '10s' },
  'leader-elect-retry-period': { arg: 'D', default: '2s' },
  'node-monitor-grace-period': { arg: 'D', default: '40s', help: 'A node whose Lease is not renewed for D is Unknown (default 40s)' },
  // Audit and encryption at rest, named as kube-apiserver names them.
  'audit-policy-file': { arg: 'F', help: 'An audit.k8s.io/v1 Policy: which requests are logged, at which level' },
  'audit-log-path': { arg: 'F', help: 'Write audit Events there as JSON lines ("-": standard output)' },
  'audit-log-maxsize': {
    arg: 'MB, --audit-log-maxbackup N, --audit-log-maxage DAYS',
    default: '100',
    help: 'Rotate the audit log at MB megabytes (default 100); keep N old files\nand files younger than DAYS days (0: no limit)',
  },
  'audit-log-maxbackup': { arg: 'N', default: '0' },
  'audit-log-maxage': { arg: 'DAYS', default: '0' },
  'encryption-provider-config': {
    arg: 'F',
    help: 'An apiserver.config.k8s.io/v1 EncryptionConfiguration: resources kept\nencrypted in the store (aescbc, aesgcm, identity)',
  },
  // A node, its proxy and its pods' network (`up`, `agent`); each command words `disable`'s
  // help with its own components.
  disable: { arg: 'LIST', default: '' },
  'node-name': { arg: 'NAME', help: "This node's name (default: the host name)" },
  'pod-cidr': { arg: 'CIDR', default: '127.244.0.0/16', help: 'Pod addresses (default 127.244.0.0/16)' },
  'cluster-domain': { arg: 'NAME', default: 'cluster.local', help: 'DNS zone of the cluster (default cluster.local)' },
  'nodeport-addresses': { arg: 'LIST', help: 'CIDRs whose local addresses serve NodePorts (default: the node IP)' },
  'proxy-scheduler': { arg: 'NAME', default: 'rr', help: 'Default load-balancing scheduler: rr, wrr, lc, wlc, sh, dh, sed, nq, random' },
  network: {
    arg: 'rootless|netns|loopback',
    help: [
      'rootless (default on Linux): nodes, pods and an outside client as',
      'network namespaces with a kernel datapath, inside a user namespace',
      'tinykube holds; no root needed, NodePorts and LoadBalancer addresses',
      "published on this host's loopback. netns (root): the same namespaces",
      'in the host. loopback (the fallback where user namespaces are',
      'unavailable): pods and Services on 127.x, userspace proxy',
    ].join('\n'),
  },
  'netns-prefix': { arg: 'P', default: 'tinykube', help: 'netns networks: names of the namespaces (default tinykube)' },
  'proxy-mode': { arg: 'MODE', help: 'nftables (default on netns networks), iptables, ipvs (falls back),\nuserspace (default on loopback)' },
  'log-level': {
    arg: 'LEVEL',
    default: 'info',
    help: 'trace, debug, info, warn or error (default info); logs go to\nDATA_DIR/logs/tinykube.log, warnings also to stderr',
  },
  // `up` only.
  'dns-port': { arg: 'N', help: 'Port of the DNS server (default 53, or 1053 when 53 cannot be bound)' },
  'dns-upstream': { arg: 'LIST', help: "Resolvers for names outside the cluster (default: the host's resolv.conf)" },
  'dns-workers': { arg: 'N', default: '1', help: 'Processes answering DNS over UDP (default 1; 2 or more share the socket)' },
  nodes: { arg: 'N', default: '3', help: 'netns networks: how many nodes (default 3)' },
  // `agent` only.
  server: {
    arg: 'URL[,URL...]',
    help: 'API servers: https://HOST:PORT, or unix:///PATH/api.sock; when one\ncannot be reached the agent moves to the next and resumes its watches',
  },
  token: { arg: "T | --token-file F", help: "A join token: the server's DATA_DIR/node-token, or a bootstrap token <id>.<secret>" },
  'token-file': { arg: 'F' },
  'ca-file': { arg: 'F', help: "The cluster CA certificate (the server's DATA_DIR/tls/ca.crt)" },
  'node-ip': { arg: 'IP', default: '127.0.0.1', help: "This node's address (default 127.0.0.1); dual-stack: IPv4,IPv6 (primary first)" },
  'kubelet-port': {
    arg: 'N',
    default: String(KUBELET_PORT),
    help: `Serves pods' logs and exec to the API servers on NODE_IP:N (HTTPS,\nself-signed; the node token or a server's kubelet client certificate required; default ${KUBELET_PORT}; 0 picks a free port)`,
  },
  'node-lease-duration-seconds': { arg: 'N', default: '40', help: "The node Lease's duration, renewed every quarter of it (default 40)" },
  'cluster-cidr': { arg: 'CIDR', help: 'The pod network (kernel modes masquerade traffic from outside it)' },
  'announce-interface': { arg: 'IF', help: "Announce this node's LoadBalancer addresses on IF (ARP)" },
  'dns-ip': { arg: 'IP[,IP]', help: "The DNS servers in pods' resolv.conf, one per family (netns; default 10.96.0.10)" },
} satisfies Record<string, FlagSpec>;

export type FlagName = keyof typeof FLAGS;

/** The flags the control plane's options come from (`up` and `server` take them all). */
export const CONTROL_PLANE_FLAGS = [
  'data-dir',
  'api-port',
  'bind-address',
  'datastore-endpoint',
  'datastore-prefix',
  'service-cidr',
  'service-node-port-range',
  'lb-pool',
  'leader-elect-lease-duration',
  'leader-elect-renew-deadline',
  'leader-elect-retry-period',
  'node-monitor-grace-period',
  'audit-policy-file',
  'audit-log-path',
  'audit-log-maxsize',
  'audit-log-maxbackup',
  'audit-log-maxage',
  'encryption-provider-config',
] as const satisfies readonly FlagName[];

type TimingFlag = 'leader-elect-lease-duration' | 'leader-elect-renew-deadline' | 'leader-elect-retry-period' | 'node-monitor-grace-period';

function parseControlPlaneTiming(v: Partial<Record<TimingFlag, string>>): {
  leaderElection: LeaderElectionTiming;
  nodeMonitorGracePeriodMs: number;
} {
  const d = (flag: TimingFlag): number => {
    try {
      return parseDuration(v[flag] ?? FLAGS[flag].default);
    } catch (e) {
      throw new Error(`--${flag}: ${(e as Error).message}`);
    }
  };
  const leaderElection = { leaseDurationMs: d('leader-elect-lease-duration'), renewDeadlineMs: d('leader-elect-renew-deadline'), retryPeriodMs: d('leader-elect-retry-period') };
  if (!(leaderElection.leaseDurationMs > leaderElection.renewDeadlineMs && leaderElection.renewDeadlineMs > leaderElection.retryPeriodMs)) {
    throw new Error('leader election needs lease duration > renew deadline > retry period');
  }
  return { leaderElection, nodeMonitorGracePeriodMs: d('node-monitor-grace-period') };
}

function wholeNumber(flag: string, v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v)) throw new Error(`--${flag}: "${v}" is not a whole number`);
  return n;
}

type ControlPlaneFlagValues = Partial<Record<(typeof CONTROL_PLANE_FLAGS)[number], string>>;

/** The control plane's options from its flags (the log is opened by the caller). */
export function controlPlaneOptions(v: ControlPlaneFlagValues): Pick<
  ControlPlaneOptions,
  'dataDir' | 'apiPort' | 'bindAddress' | 'datastoreEndpoints' | 'datastorePrefix' | 'serviceCIDR' | 'nodePortRange' | 'lbPools' | 'leaderElection' | 'nodeMonitorGracePeriodMs' | 'audit' | 'encryptionProviderConfig'
> {
  return {
    dataDir: dataDirOf(v['data-dir']),
    apiPort: parsePort('api-port', v['api-port']),
    bindAddress: v['bind-address']!,
    datastoreEndpoints: list(v['datastore-endpoint']),
    datastorePrefix: v['datastore-prefix'],
    serviceCIDR: parseServiceCIDRs(v['service-cidr']!).map(formatCIDRText).join(','),
    nodePortRange: parsePortRange(v['service-node-port-range']!),
    lbPools: list(v['lb-pool']),
    ...parseControlPlaneTiming(v),
    ...(v['audit-policy-file'] || v['audit-log-path']
      ? {
          audit: {
            policyFile: v['audit-policy-file'],
            logPath: v['audit-log-path'],
            maxSizeMB: wholeNumber('audit-log-maxsize', v['audit-log-maxsize'] ?? '100'),
            maxBackups: wholeNumber('audit-log-maxbackup', v['audit-log-maxbackup'] ?? '0'),
            maxAgeDays: wholeNumber('audit-log-maxage', v['audit-log-maxage'] ?? '0'),
          },
        }
      : {}),
    encryptionProviderConfig: v['encryption-provider-config'],
  };
}
