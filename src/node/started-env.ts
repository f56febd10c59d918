// What `kubectl exec` needs of a running container, kept beside its logs: the environment it
// was started with (a runtime execs with the container's own env, so values from ConfigMaps
// and Secrets stay as they were at start: kubelet does not update env), and the pid of its main
// process when it has a mount namespace of its own (volumes on the netns network). The main
// process's pid and start time are kept too: its process group is what /metrics/resource measures.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from '../apis/core/pods.js';
import { podDir } from './logs.js';
import { processStartTime } from './runtime/process-ledger.js';

const envPath = (dataDir: string, pod: Pod, container: string): string => join(podDir(dataDir, pod), container, 'env.json');
const pidPath = (dataDir: string, pod: Pod, container: string): string => join(podDir(dataDir, pod), container, 'mount-ns.pid');

const mainPidPath = (dataDir: string, pod: Pod, container: string): string => join(podDir(dataDir, pod), container, 'main.pid');

export function saveMainPid(dataDir: string, pod: Pod, container: string, pid: number): void {
  writeFileSync(mainPidPath(dataDir, pod, container), `${pid} ${processStartTime(pid) ?? ''}`);
}

/** The container's main pid while that very process runs (same start time: never a reused pid). */
export function mainPid(dataDir: string, pod: Pod, container: string): number | undefined {
  try {
    const [pid, start] = readFileSync(mainPidPath(dataDir, pod, container), 'utf8').split(' ');
    return start && processStartTime(Number(pid)) === start ? Number(pid) : undefined;
  } catch {
    return undefined;
  }
}

/** Where the node's image host keeps a hosted container's CPU seconds (its processes are
 *  shared, so /proc cannot tell them apart). */
export const hostedCpuPath = (dataDir: string, pod: Pod, container: string): string => join(podDir(dataDir, pod), container, 'cpu');

/** A hosted container's CPU seconds so far; undefined when it is not hosted. */
export function hostedCpuSeconds(dataDir: string, pod: Pod, container: string): number | undefined {
  try {
    return Number(readFileSync(hostedCpuPath(dataDir, pod, container), 'utf8')) || 0;
  } catch {
    return undefined;
  }
}

export function saveMountNsPid(dataDir: string, pod: Pod, container: string, pid: number): void {
  writeFileSync(pidPath(dataDir, pod, container), String(pid));
}

/** The pid whose mount namespace exec enters; undefined when the container has none (or its
 *  process is gone). */
export function mountNsPid(dataDir: string, pod: Pod, container: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidPath(dataDir, pod, container), 'utf8'));
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

export function saveStartedEnv(dataDir: string, pod: Pod, container: string, env: Record<string, string>): void {
  const path = envPath(dataDir, pod, container);
  mkdirSync(join(path, '..'), { recursive: true });
  // It may hold Secret values: readable by its owner only.
  writeFileSync(path, JSON.stringify(env), { mode: 0o600 });
}

/** Undefined when the container has not started here (or before this file existed). */
export function startedEnv(dataDir: string, pod: Pod, container: string): Record<string, string> | undefined {
  try {
    return JSON.parse(readFileSync(envPath(dataDir, pod, container), 'utf8')) as Record<string, string>;
  } catch {
    return undefined;
  }
}
