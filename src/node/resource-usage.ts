// What the kubelet's /metrics/resource reports, measured from /proc: each container's process
// group (cumulative CPU seconds, resident memory) and the machine's (the node is the host).
// metrics-server scrapes its text (api/metrics/resource-metrics.ts) and turns two scrapes into
// rates; so does src/api/metrics/.

import { readFileSync } from 'node:fs';
import { allStatFields } from '../util/proc-stat.js';
import type { Pod } from '../apis/core/pods.js';
import { R, type Client } from '../client/client.js';
import type { PodPlacement } from './pod-placement.js';
import { hostedCpuSeconds, mainPid } from './started-env.js';
import type { ContainerUsage, Usage, UsageSample } from '../api/metrics/resource-metrics.js';

/** USER_HZ and the page size: what Linux has used on every architecture we run on. */
const CLOCK_TICKS = 100;
const PAGE_BYTES = 4096;

/** CPU and resident memory of every process group, summed over its processes (one /proc scan). */
export function processGroupUsage(): Map<number, Usage> {
  const groups = new Map<number, Usage>();
  for (const f of allStatFields().values()) {
    const pgid = Number(f[2]);
    const g = groups.get(pgid) ?? { cpuSeconds: 0, memoryBytes: 0 };
    g.cpuSeconds += (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
    g.memoryBytes += Number(f[21]) * PAGE_BYTES;
    groups.set(pgid, g);
  }
  return groups;
}

/** The machine's busy CPU seconds (all but idle and iowait) and memory in use (total - available). */
export function machineUsage(): Usage {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const busyTicks = cpu.reduce((a, b) => a + b, 0) - (cpu[3] ?? 0) - (cpu[4] ?? 0);
  const mem = Object.fromEntries(
    readFileSync('/proc/meminfo', 'utf8')
      .split('\n')
      .map((l) => l.split(/:\s+/))
      .map(([k, v]) => [k, Number.parseInt(v ?? '0', 10) * 1024]),
  ) as Record<string, number>;
  return { cpuSeconds: busyTicks / CLOCK_TICKS, memoryBytes: (mem.MemTotal ?? 0) - (mem.MemAvailable ?? 0) };
}

/** A node's sample: the running containers of its pods (their main pids are kept beside their
 *  logs, under the data dir `placement` names) and the machine. Containers of the node's image
 *  host share its process: each has the CPU the host charged to it and an even share of its
 *  memory. */
export async function nodeUsage(client: Client, placement: PodPlacement, nodeName: string, now = Date.now()): Promise<UsageSample> {
  const { items } = await client.list<Pod>(R.pods, undefined, { fieldSelector: `spec.nodeName=${nodeName}` });
  const groups = processGroupUsage();
  const found: { pod: Pod; name: string; startedAt: string; pid: number; hostedCpu?: number }[] = [];
  const sharing = new Map<number, number>();
  for (const pod of items) {
    if (pod.status?.phase !== 'Running') continue;
    for (const cs of pod.status.containerStatuses ?? []) {
      const startedAt = cs.state?.running?.startedAt;
      const pid = startedAt ? mainPid(placement.dataDir(pod), pod, cs.name) : undefined;
      if (pid === undefined || !startedAt || !groups.has(pid)) continue;
      found.push({ pod, name: cs.name, startedAt, pid, hostedCpu: hostedCpuSeconds(placement.dataDir(pod), pod, cs.name) });
      sharing.set(pid, (sharing.get(pid) ?? 0) + 1);
    }
  }
  const containers: ContainerUsage[] = found.map(({ pod, name, startedAt, pid, hostedCpu }) => {
    const group = groups.get(pid)!;
    const usage = hostedCpu === undefined ? group : { cpuSeconds: hostedCpu, memoryBytes: Math.round(group.memoryBytes / sharing.get(pid)!) };
    return { namespace: pod.metadata.namespace!, pod: pod.metadata.name!, container: name, startTime: Date.parse(startedAt) / 1000, pid, ...usage };
  });
  return { timestampMs: now, node: machineUsage(), containers };
}
