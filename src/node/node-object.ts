// The Node this agent registers and the status it keeps posting (kubelet's
// nodestatus setters): addresses, capacity, system info and the four conditions. Pure, given
// the host facts read once at start.

import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { Node } from '../apis/core/nodes.js';
import { rfc3339 } from '../util/time.js';

export const KUBELET_VERSION = 'v1.32.0-tinykube';
export const RUNTIME_VERSION = 'tinykube://0.1';
export const MAX_PODS = 110;

export interface HostFacts {
  cpus: number;
  memoryBytes: number;
  kernelVersion: string;
  osImage: string;
  architecture: string;
  machineID: string;
  bootID: string;
}

const GO_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' };

function readFirst(paths: string[]): string {
  for (const p of paths) {
    try {
      return readFileSync(p, 'utf8').trim();
    } catch {
      // Not on this system; try the next.
    }
  }
  return '';
}

export function readHostFacts(): HostFacts {
  const release = readFirst(['/etc/os-release', '/usr/lib/os-release']);
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(release)?.[1];
  return {
    cpus: os.cpus().length || 1,
    memoryBytes: os.totalmem(),
    kernelVersion: os.release(),
    osImage: pretty ?? `${os.type()} ${os.release()}`,
    architecture: GO_ARCH[process.arch] ?? process.arch,
    machineID: readFirst(['/etc/machine-id', '/var/lib/dbus/machine-id']),
    bootID: readFirst(['/proc/sys/kernel/random/boot_id']),
  };
}

export interface NodeParams {
  nodeName: string;
  /** One address per family, primary first (kubelet's --node-ip). */
  nodeIPs: string[];
  /** One pod CIDR per family, primary first. */
  podCIDRs: string[];
  host: HostFacts;
  /** The port the node serves logs and exec on (default 10250, kubelet's). */
  kubeletPort?: number;
}

export function nodeLabels(p: NodeParams): Record<string, string> {
  return {
    'kubernetes.io/hostname': p.nodeName,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': p.host.architecture,
    'beta.kubernetes.io/os': 'linux',
    'beta.kubernetes.io/arch': p.host.architecture,
  };
}

type NodeCondition = { type: string; status: string; reason: string; message: string; lastHeartbeatTime: string; lastTransitionTime: string };

const CONDITIONS: [string, string, string, string][] = [
  ['MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
  ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
  ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
  ['Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'],
];

/** The node's status at `now`; transition times are kept from `previous` while a condition holds. */
export function nodeStatus(p: NodeParams, now: Date, previous?: Node): NonNullable<Node['status']> {
  const ts = rfc3339(now);
  const prev = (previous?.status?.conditions ?? []) as NodeCondition[];
  const capacity = {
    cpu: String(p.host.cpus),
    memory: `${Math.floor(p.host.memoryBytes / 1024)}Ki`,
    pods: String(MAX_PODS),
  };
  const nodeInfo = {
    machineID: p.host.machineID,
    systemUUID: p.host.machineID,
    bootID: p.host.bootID,
    kernelVersion: p.host.kernelVersion,
    osImage: p.host.osImage,
    containerRuntimeVersion: RUNTIME_VERSION,
    kubeletVersion: KUBELET_VERSION,
    kubeProxyVersion: KUBELET_VERSION,
    operatingSystem: 'linux',
    architecture: p.host.architecture,
  };
  return {
    capacity,
    allocatable: { ...capacity },
    conditions: CONDITIONS.map(([type, status, reason, message]) => {
      const before = prev.find((c) => c.type === type);
      return {
        type,
        status,
        reason,
        message,
        lastHeartbeatTime: ts,
        lastTransitionTime: before?.status === status && before.lastTransitionTime ? before.lastTransitionTime : ts,
      };
    }),
    addresses: [...p.nodeIPs.map((address) => ({ type: 'InternalIP', address })), { type: 'Hostname', address: p.nodeName }],
    daemonEndpoints: { kubeletEndpoint: { Port: p.kubeletPort ?? 10250 } },
    nodeInfo,
  };
}

export function newNode(p: NodeParams, now: Date): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: p.nodeName, labels: nodeLabels(p), annotations: { 'node.alpha.kubernetes.io/ttl': '0' } },
    spec: { podCIDR: p.podCIDRs[0], podCIDRs: p.podCIDRs },
    status: nodeStatus(p, now),
  };
}

/** Lease renewTime is a MicroTime: RFC 3339 with microseconds. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/Z$/, '000Z');
}
