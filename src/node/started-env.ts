// What `kubectl exec` needs of a running container, kept beside its logs: the environment it
// was started with (a runtime execs with the container's own env, so values from ConfigMaps
// and Secrets stay as they were at start: kubelet does not update env), and the pid of its main
// process when it has a mount namespace of its own (volumes on the netns network). The main
// process's pid and start time are kept too: its process group is what /metrics/resource measures.
// They are written with fs/promises, in libuv's pool: a thousand containers starting at once made
// these calls most of the agent's own cost per start (on loopback, in the API server's thread).

import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { join } from 'node:path';
import type { Pod } from '../apis/core/pods.js';
import { podDir } from './logs.js';
import { processStartTime, statStartTime } from './runtime/process-ledger.js';
import { mountsReadyMarker } from './runtime/mount-script.js';

const startedPath = (dataDir: string, pod: Pod, container: string): string => join(podDir(dataDir, pod), container, 'started.json');
const pidPath = (dataDir: string, pod: Pod, container: string): string => join(podDir(dataDir, pod), container, 'mount-ns.pid');

const mainPidPath = (dataDir: string, pod: Pod, container: string): string => join(podDir(dataDir, pod), container, 'main.pid');

async function savePid(path: string, pid: number): Promise<void> {
  const start = await readFile(`/proc/${pid}/stat`, 'utf8').then(statStartTime, () => '');
  await writeFile(path, `${pid} ${start ?? ''}`);
}

/** The pid in `path` while that very process runs (same start time: never a reused pid). */
function livePid(path: string): number | undefined {
  try {
    const [pid, start] = readFileSync(path, 'utf8').split(' ');
    return start && processStartTime(Number(pid)) === start ? Number(pid) : undefined;
  } catch {
    return undefined;
  }
}

export const saveMainPid = (dataDir: string, pod: Pod, container: string, pid: number): Promise<void> => savePid(mainPidPath(dataDir, pod, container), pid);

export const mainPid = (dataDir: string, pod: Pod, container: string): number | undefined => livePid(mainPidPath(dataDir, pod, container));

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

/** Where a container's mount script builds its root (netns: volumes at their mountPaths). */
export const containerMountDir = (dataDir: string, pod: Pod, container: string): string => join(podDir(dataDir, pod), container, 'mnt');

/** Forgets the container's mount namespace: its pid and marker. */
export function forgetMountNs(dataDir: string, pod: Pod, container: string): void {
  rmSync(pidPath(dataDir, pod, container), { force: true });
  rmSync(mountsReadyMarker(containerMountDir(dataDir, pod, container)), { force: true });
}

/** Resolves once the container's mounts are in place (at most `timeoutMs` later): a container
 *  is Running once its process has started, which is before its mount script has finished. */
export async function mountsReady(dataDir: string, pod: Pod, container: string, timeoutMs = 10_000): Promise<void> {
  const marker = mountsReadyMarker(containerMountDir(dataDir, pod, container));
  for (const until = Date.now() + timeoutMs; !existsSync(marker) && Date.now() < until; ) await delay(20);
}

export const saveMountNsPid = (dataDir: string, pod: Pod, container: string, pid: number): Promise<void> => savePid(pidPath(dataDir, pod, container), pid);

/** The pid whose mount namespace exec enters; undefined when the container has none (or its
 *  process is gone). */
export const mountNsPid = (dataDir: string, pod: Pod, container: string): number | undefined => livePid(pidPath(dataDir, pod, container));

/** What a container was started with, for exec: its env and, for a hosted container with
 *  mounts, the argv of its mount holder (mount-holder.ts). One file, not one each: on some
 *  disks a new inode costs more than the write (src/node/README.md). */
export interface Started {
  env: Record<string, string>;
  holder?: string[];
}

export async function saveStarted(dataDir: string, pod: Pod, container: string, started: Started): Promise<void> {
  const path = startedPath(dataDir, pod, container);
  await mkdir(join(path, '..'), { recursive: true });
  // It may hold Secret values: readable by its owner only.
  await writeFile(path, JSON.stringify(started), { mode: 0o600 });
}

/** Undefined when the container has not started here (or before this file existed). */
export function readStarted(dataDir: string, pod: Pod, container: string): Started | undefined {
  try {
    return JSON.parse(readFileSync(startedPath(dataDir, pod, container), 'utf8')) as Started;
  } catch {
    return undefined;
  }
}

/** The container no longer needs a holder (it exited): the next exec must not start one. */
export function forgetHolder(dataDir: string, pod: Pod, container: string): void {
  const started = readStarted(dataDir, pod, container);
  if (started?.holder) writeFileSync(startedPath(dataDir, pod, container), JSON.stringify({ env: started.env }), { mode: 0o600 });
}
