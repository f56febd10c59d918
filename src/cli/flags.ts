// Flag parsing shared by the commands (`up`, `server`, `agent`).

import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseDuration } from '../util/duration.js';
import type { LeaderElectionTiming } from '../client/leader-election.js';
import type { ControlPlaneOptions } from './control-plane.js';
import type { ProxyModeName } from '../proxy/index.js';
import { MAX_NODES } from '../network/netns/names.js';

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

/** The flags of the control plane's timings, as kube-controller-manager names them. */
const CONTROL_PLANE_TIMING_FLAGS = {
  'leader-elect-lease-duration': { type: 'string', default: '15s' },
  'leader-elect-renew-deadline': { type: 'string', default: '10s' },
  'leader-elect-retry-period': { type: 'string', default: '2s' },
  'node-monitor-grace-period': { type: 'string', default: '40s' },
} as const;

export const CONTROL_PLANE_TIMING_HELP = `  --leader-elect-lease-duration D, --leader-elect-renew-deadline D, --leader-elect-retry-period D
                          Leader election of the controllers (default 15s, 10s, 2s); the lease
                          duration and retry period also time the API servers' identity leases
  --node-monitor-grace-period D
                          A node whose Lease is not renewed for D is Unknown (default 40s)
`;

function parseControlPlaneTiming(v: Partial<Record<keyof typeof CONTROL_PLANE_TIMING_FLAGS, string>>): {
  leaderElection: LeaderElectionTiming;
  nodeMonitorGracePeriodMs: number;
} {
  const d = (flag: keyof typeof CONTROL_PLANE_TIMING_FLAGS): number => {
    try {
      return parseDuration(v[flag] ?? CONTROL_PLANE_TIMING_FLAGS[flag].default);
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

/** Audit and encryption at rest, named as kube-apiserver names them. */
const CONTROL_PLANE_SECURITY_FLAGS = {
  'audit-policy-file': { type: 'string' },
  'audit-log-path': { type: 'string' },
  'audit-log-maxsize': { type: 'string', default: '100' },
  'audit-log-maxbackup': { type: 'string', default: '0' },
  'audit-log-maxage': { type: 'string', default: '0' },
  'encryption-provider-config': { type: 'string' },
} as const;

export const CONTROL_PLANE_SECURITY_HELP = `  --audit-policy-file F   An audit.k8s.io/v1 Policy: which requests are logged, at which level
  --audit-log-path F      Write audit Events there as JSON lines ("-": standard output)
  --audit-log-maxsize MB, --audit-log-maxbackup N, --audit-log-maxage DAYS
                          Rotate the audit log at MB megabytes (default 100); keep N old files
                          and files younger than DAYS days (0: no limit)
  --encryption-provider-config F
                          An apiserver.config.k8s.io/v1 EncryptionConfiguration: resources kept
                          encrypted in the store (aescbc, aesgcm, identity)
`;

function wholeNumber(flag: string, v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v)) throw new Error(`--${flag}: "${v}" is not a whole number`);
  return n;
}

/** The flags `up` and `server` share: where the control plane keeps its state and how it serves. */
export const CONTROL_PLANE_FLAGS = {
  'data-dir': { type: 'string' },
  'api-port': { type: 'string', default: '6443' },
  'bind-address': { type: 'string', default: '127.0.0.1' },
  'datastore-endpoint': { type: 'string' },
  'datastore-prefix': { type: 'string' },
  'service-cidr': { type: 'string', default: '127.96.0.0/16' },
  'service-node-port-range': { type: 'string', default: '30000-32767' },
  'lb-pool': { type: 'string', default: '127.240.0.0/24' },
  'log-level': { type: 'string', default: 'info' },
  ...CONTROL_PLANE_TIMING_FLAGS,
  ...CONTROL_PLANE_SECURITY_FLAGS,
} as const;

type ControlPlaneFlagValues = Partial<Record<keyof typeof CONTROL_PLANE_FLAGS, string>>;

/** The control plane's options from CONTROL_PLANE_FLAGS (the log is opened by the caller). */
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
    serviceCIDR: v['service-cidr']!,
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
