// What the agent knows about one container of a pod across its runs: the run in progress, the
// last two exits (the state and lastState kubectl shows), restarts and a waiting reason. The
// pod worker mutates it; pod-status.ts reads it.

/** What the API's containerID says before the runtime's own ID (containerd://, docker://). */
export const CONTAINER_ID_PREFIX = 'tinykube://';

export interface Exit {
  containerID: string;
  exitCode: number;
  /** Completed, Error, StartError, Unknown (the run was lost with the agent) */
  reason: string;
  message?: string;
  startedAt: number;
  finishedAt: number;
}

export interface Run {
  containerID: string;
  startedAt: number;
  /** The startup probe passed (or there is none). */
  started: boolean;
  /** The readiness probe passes (or there is none) and the container has started. */
  ready: boolean;
}

export interface ContainerRecord {
  name: string;
  restartCount: number;
  run?: Run;
  lastExit?: Exit;
  exitBefore?: Exit;
  /** Why it is not running (ContainerCreating, PodInitializing, CrashLoopBackOff). */
  waiting?: { reason: string; message?: string };
}

export function newRecord(name: string): ContainerRecord {
  return { name, restartCount: 0, waiting: { reason: 'ContainerCreating' } };
}

/** Records an exit of the current run. */
export function recordExit(rec: ContainerRecord, exit: Exit): void {
  rec.run = undefined;
  rec.exitBefore = rec.lastExit;
  rec.lastExit = exit;
}

/** Kubelet's reasons: 0 is Completed, anything else Error. */
export function exitReason(exitCode: number): string {
  return exitCode === 0 ? 'Completed' : 'Error';
}

/** Whether a container that exited runs again (kubelet's ShouldContainerBeRestarted). */
export function shouldRestart(restartPolicy: string | undefined, exit: Exit): boolean {
  if (restartPolicy === 'Never') return false;
  if (restartPolicy === 'OnFailure') return exit.exitCode !== 0;
  return true;
}

/** The API's view of a container, as far as restoring needs it. */
export interface SeenContainerStatus {
  name?: string;
  restartCount?: number;
  containerID?: string;
  state?: { running?: { startedAt?: string }; terminated?: SeenTerminated; waiting?: unknown };
  lastState?: { terminated?: SeenTerminated };
}

interface SeenTerminated {
  exitCode?: number;
  reason?: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  containerID?: string;
}

/** The runtime's ID in an API containerID: the record keeps it bare, the status adds the prefix. */
const bareID = (id: string | undefined): string => (id?.startsWith(CONTAINER_ID_PREFIX) ? id.slice(CONTAINER_ID_PREFIX.length) : (id ?? ''));

const toExit = (t: SeenTerminated, now: number): Exit => ({
  containerID: bareID(t.containerID),
  exitCode: t.exitCode ?? 0,
  reason: t.reason ?? exitReason(t.exitCode ?? 0),
  ...(t.message ? { message: t.message } : {}),
  startedAt: t.startedAt ? Date.parse(t.startedAt) : now,
  finishedAt: t.finishedAt ? Date.parse(t.finishedAt) : now,
});

/**
 * A container as a restarted agent finds it in the pod's status. Its processes died with the
 * agent, so a run the status still shows is an exit with code 255 and reason Unknown (as a
 * container runtime reports containers lost to a node reboot); the restart count is kept and
 * the next start counts as a restart.
 */
export function restoreRecord(name: string, seen: SeenContainerStatus | undefined, now: number): ContainerRecord {
  const rec = newRecord(name);
  if (!seen) return rec;
  rec.restartCount = seen.restartCount ?? 0;
  const last = seen.lastState?.terminated;
  if (last) rec.lastExit = toExit(last, now);
  const { running, terminated } = seen.state ?? {};
  if (running) {
    recordExit(rec, {
      containerID: bareID(seen.containerID),
      exitCode: 255,
      reason: 'Unknown',
      startedAt: running.startedAt ? Date.parse(running.startedAt) : now,
      finishedAt: now,
    });
  } else if (terminated) {
    recordExit(rec, toExit({ containerID: seen.containerID, ...terminated }, now));
  }
  if (rec.lastExit) rec.waiting = undefined;
  return rec;
}
