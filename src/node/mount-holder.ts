// A hosted container (served inside the node's image host) has no process of its own whose mount
// namespace could hold its volumes at their mountPaths, and the image host does not need one: it
// reads volumes through their paths on the node (images/resolve.ts). Only `kubectl exec` enters
// that namespace, so the agent writes down how to build it (the holder's argv) and the first exec
// into the container starts the holder: a process that builds the mounts and sleeps. Most pods are
// never exec'd into, and building them is ~20 short processes per container. The holder is in the
// agent's process ledger (an agent restarted after a crash kills it) and ends with the container.

import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, rmSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { join } from 'node:path';
import type { Pod } from '../apis/core/pods.js';
import { podDir } from './logs.js';
import { mountsReadyMarker } from './runtime/mount-script.js';
import { nodeLedger } from './runtime/process-ledger.js';
import { containerMountDir, forgetHolder, forgetMountNs, mountNsPid, mountsReady, readStarted, saveMountNsPid } from './started-env.js';

/** What the first exec runs to build the container's mount namespace, written when it starts. */
const holderOf = (dataDir: string, pod: Pod, container: string): string[] | undefined => readStarted(dataDir, pod, container)?.holder;

/** Ends the holder a previous exec started, if any, and forgets the container's mount namespace:
 *  when the container starts (again) and when a hosted one exits. */
export function clearMountNs(dataDir: string, pod: Pod, container: string): void {
  if (holderOf(dataDir, pod, container)) endHolder(dataDir, pod, container);
  forgetHolder(dataDir, pod, container);
  forgetMountNs(dataDir, pod, container);
}

function endHolder(dataDir: string, pod: Pod, container: string): void {
  const holder = mountNsPid(dataDir, pod, container);
  if (holder === undefined) return;
  try {
    process.kill(-holder, 'SIGKILL');
  } catch {
    // Gone meanwhile.
  }
  nodeLedger(dataDir).remove(holder);
}

/** First execs in flight, by container: concurrent ones share one holder. */
const starting = new Map<string, Promise<number | undefined>>();

/** The pid whose mount namespace exec enters, once its mounts are in place: the container's own
 *  process, or its holder (started now if needed); undefined when the container has none. */
export async function enterMountNs(dataDir: string, pod: Pod, container: string): Promise<number | undefined> {
  const live = mountNsPid(dataDir, pod, container);
  if (live !== undefined) {
    await mountsReady(dataDir, pod, container);
    return live;
  }
  if (!holderOf(dataDir, pod, container)) return undefined;
  const key = join(podDir(dataDir, pod), container);
  let pending = starting.get(key);
  if (!pending) {
    pending = startHolder(dataDir, pod, container).finally(() => starting.delete(key));
    starting.set(key, pending);
  }
  return pending;
}

async function startHolder(dataDir: string, pod: Pod, container: string, timeoutMs = 10_000): Promise<number> {
  const argv = holderOf(dataDir, pod, container);
  if (!argv) throw new Error(`container ${container} is not running`);
  const marker = mountsReadyMarker(containerMountDir(dataDir, pod, container));
  // A holder that ended (killed) left its marker.
  rmSync(marker, { force: true });
  const log = join(podDir(dataDir, pod), container, 'mounts.log');
  const fd = openSync(log, 'a');
  let child;
  try {
    // Its own process group: the ledger kills groups.
    child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start the mount holder of container ${container}`);
  const ended = (): boolean => child.exitCode !== null || child.signalCode !== null;
  child.once('exit', () => nodeLedger(dataDir).remove(pid));
  nodeLedger(dataDir).add(pid);
  await saveMountNsPid(dataDir, pod, container, pid);
  for (const until = Date.now() + timeoutMs; !existsSync(marker) && !ended() && Date.now() < until; ) await delay(10);
  // The container exited meanwhile (its agent may have found no holder to end yet): end it.
  if (!holderOf(dataDir, pod, container)) {
    endHolder(dataDir, pod, container);
    forgetMountNs(dataDir, pod, container);
    throw new Error(`container ${container} is not running`);
  }
  if (ended() || !existsSync(marker)) {
    // The next exec tries again.
    endHolder(dataDir, pod, container);
    forgetMountNs(dataDir, pod, container);
    throw new Error(`could not mount the volumes of container ${container} (see ${log})`);
  }
  return pid;
}
