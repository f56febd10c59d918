// The kubelet's own /metrics (Prometheus text 0.0.4): a few of the series it really exports,
// about itself and the pods it runs: kubelet_node_name, kubelet_running_pods,
// kubelet_running_containers, and the process_* collectors every Go component has.

import { readFileSync } from 'node:fs';
import type { Pod } from '../apis/core/pods.js';

const CLOCK_TICKS = 100;

/** This process's CPU seconds and start time, as Go's process collector reports them. */
function processFigures(): { cpuSeconds: number; startSeconds: number } {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  const bootSeconds = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1] ?? 0);
  return { cpuSeconds: (Number(f[11]) + Number(f[12])) / CLOCK_TICKS, startSeconds: bootSeconds + Number(f[19]) / CLOCK_TICKS };
}

export function renderKubeletMetrics(nodeName: string, pods: Pod[]): string {
  const running = pods.filter((p) => p.status?.phase === 'Running');
  const containers = running.flatMap((p) => p.status?.containerStatuses ?? []).filter((c) => c.state?.running).length;
  const proc = processFigures();
  return [
    '# HELP kubelet_node_name [ALPHA] The node\'s name. The count is always 1.',
    '# TYPE kubelet_node_name gauge',
    `kubelet_node_name{node="${nodeName}"} 1`,
    '# HELP kubelet_running_containers [ALPHA] Number of containers currently running',
    '# TYPE kubelet_running_containers gauge',
    `kubelet_running_containers{container_state="running"} ${containers}`,
    '# HELP kubelet_running_pods [ALPHA] Number of pods that have a running pod sandbox',
    '# TYPE kubelet_running_pods gauge',
    `kubelet_running_pods ${running.length}`,
    '# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.',
    '# TYPE process_cpu_seconds_total counter',
    `process_cpu_seconds_total ${proc.cpuSeconds}`,
    '# HELP process_resident_memory_bytes Resident memory size in bytes.',
    '# TYPE process_resident_memory_bytes gauge',
    `process_resident_memory_bytes ${process.memoryUsage().rss}`,
    '# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.',
    '# TYPE process_start_time_seconds gauge',
    `process_start_time_seconds ${proc.startSeconds}`,
    '',
  ].join('\n');
}
