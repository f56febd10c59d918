// The kubelet's Summary API (/stats/summary, k8s.io/kubelet/pkg/apis/stats/v1alpha1): the node's
// and each pod's CPU, memory and network, from the same /proc sample as /metrics/resource.
// CPU rates (usageNanoCores) need two samples: the endpoint keeps its previous one, and a
// container seen for the first time reports its cumulative time only, as cAdvisor does.

import { readFileSync } from 'node:fs';
import type { Pod } from '../apis/core/pods.js';
import type { ContainerUsage, Usage, UsageSample } from '../api/metrics/resource-metrics.js';

export interface InterfaceStats {
  name: string;
  rxBytes: number;
  rxErrors: number;
  txBytes: number;
  txErrors: number;
}

/** A process's network namespace's interfaces (not lo), from /proc/PID/net/dev; the caller's own without a pid. */
export function interfacesOf(pid?: number): InterfaceStats[] {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid ?? 'self'}/net/dev`, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .slice(2)
    .map((line) => line.trim().split(/[:\s]+/))
    .filter((f) => f.length >= 17 && f[0] !== 'lo')
    .map((f) => ({ name: f[0]!, rxBytes: Number(f[1]), rxErrors: Number(f[3]), txBytes: Number(f[9]), txErrors: Number(f[11]) }));
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function cpuStats(now: Usage, before: Usage | undefined, seconds: number, time: string) {
  const usageCoreNanoSeconds = Math.round(now.cpuSeconds * 1e9);
  return before && seconds > 0
    ? { time, usageNanoCores: Math.max(0, Math.round(((now.cpuSeconds - before.cpuSeconds) / seconds) * 1e9)), usageCoreNanoSeconds }
    : { time, usageCoreNanoSeconds };
}

const memoryStats = (u: Usage, time: string) => ({ time, usageBytes: u.memoryBytes, workingSetBytes: u.memoryBytes, rssBytes: u.memoryBytes });

function networkStats(ifaces: InterfaceStats[], time: string) {
  const first = ifaces.find((i) => i.name === 'eth0') ?? ifaces[0];
  return { time, ...(first ?? { name: '' }), interfaces: ifaces };
}

export interface SummaryInput {
  nodeName: string;
  nodeStartMs: number;
  sample: UsageSample;
  previous?: UsageSample;
  pods: Pod[];
  nodeInterfaces: InterfaceStats[];
  /** A pod's interfaces, by its first measured container's pid. */
  podInterfaces(pid: number | undefined): InterfaceStats[];
}

/** The Summary JSON of one sample (pure but for podInterfaces). */
export function renderSummary(i: SummaryInput) {
  const time = iso(i.sample.timestampMs);
  const seconds = i.previous ? (i.sample.timestampMs - i.previous.timestampMs) / 1000 : 0;
  const before = new Map((i.previous?.containers ?? []).map((c) => [`${c.namespace}/${c.pod}/${c.container}/${c.startTime}`, c]));
  const byPod = new Map<string, ContainerUsage[]>();
  for (const c of i.sample.containers) byPod.set(`${c.namespace}/${c.pod}`, [...(byPod.get(`${c.namespace}/${c.pod}`) ?? []), c]);
  const pods = i.pods
    .filter((p) => byPod.has(`${p.metadata.namespace}/${p.metadata.name}`))
    .map((p) => {
      const containers = byPod.get(`${p.metadata.namespace}/${p.metadata.name}`)!;
      const prior = containers.map((c) => before.get(`${c.namespace}/${c.pod}/${c.container}/${c.startTime}`));
      const sum = (us: (Usage | undefined)[]): Usage | undefined =>
        us.some((u) => !u) ? undefined : us.reduce<Usage>((a, u) => ({ cpuSeconds: a.cpuSeconds + u!.cpuSeconds, memoryBytes: a.memoryBytes + u!.memoryBytes }), { cpuSeconds: 0, memoryBytes: 0 });
      const total = sum(containers)!;
      return {
        podRef: { name: p.metadata.name, namespace: p.metadata.namespace, uid: p.metadata.uid },
        startTime: p.status?.startTime,
        containers: containers.map((c, k) => ({
          name: c.container,
          startTime: iso(c.startTime * 1000),
          cpu: cpuStats(c, prior[k], seconds, time),
          memory: memoryStats(c, time),
        })),
        cpu: cpuStats(total, sum(prior), seconds, time),
        memory: memoryStats(total, time),
        network: networkStats(i.podInterfaces(containers[0]!.pid), time),
        volume: [],
      };
    });
  return {
    node: {
      nodeName: i.nodeName,
      startTime: iso(i.nodeStartMs),
      cpu: cpuStats(i.sample.node, i.previous?.node, seconds, time),
      memory: memoryStats(i.sample.node, time),
      network: networkStats(i.nodeInterfaces, time),
    },
    pods,
  };
}
