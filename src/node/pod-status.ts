// The pod status the agent reports, computed from its container records: container statuses,
// phase (kubelet's getPhase), conditions (kubelet's status/generate.go) and addresses. Pure: the
// same records, spec and previous status give the same status, so a write happens only when
// something really changed.

import { createHash } from 'node:crypto';
import type { Pod } from '../apis/core/pods.js';
import type { Container } from '../apis/core/pod-template.js';
import { rfc3339 } from '../util/time.js';
import { CONTAINER_ID_PREFIX, type ContainerRecord, type Exit } from './container-record.js';

export interface ApiTerminated {
  exitCode: number;
  reason: string;
  message?: string;
  startedAt: string;
  finishedAt: string;
  containerID: string;
}

export interface ApiContainerState {
  running?: { startedAt: string };
  waiting?: { reason: string; message?: string };
  terminated?: ApiTerminated;
}

export interface ApiContainerStatus {
  name: string;
  state: ApiContainerState;
  lastState: ApiContainerState;
  ready: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID?: string;
  started: boolean;
}

export interface ApiPodCondition {
  type: string;
  status: 'True' | 'False';
  lastProbeTime: null;
  lastTransitionTime: string;
  reason?: string;
  message?: string;
}

export type Phase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface ApiPodStatus {
  phase: Phase;
  conditions: ApiPodCondition[];
  hostIP: string;
  hostIPs: { ip: string }[];
  podIP?: string;
  podIPs?: { ip: string }[];
  startTime: string;
  qosClass?: string;
  initContainerStatuses?: ApiContainerStatus[];
  containerStatuses: ApiContainerStatus[];
}

export interface PodView {
  /** One per family, primary first; none before the sandbox has them. */
  podIPs: string[];
  /** The node's addresses, primary first. */
  hostIPs: string[];
  /** When the agent first accepted the pod. */
  startTime: number;
  init: ContainerRecord[];
  containers: ContainerRecord[];
  /** The pod's processes are gone for good (deleted, or finished and not restarted). */
  sandboxGone: boolean;
  now: number;
}

/** `nginx` → `docker.io/library/nginx:latest`, as container runtimes report images. */
export function normalizeImage(image: string): string {
  const slash = image.indexOf('/');
  const first = slash < 0 ? '' : image.slice(0, slash);
  const hasDomain = first.includes('.') || first.includes(':') || first === 'localhost';
  let ref = hasDomain ? image : `docker.io/${slash < 0 ? 'library/' : ''}${image}`;
  const last = ref.slice(ref.lastIndexOf('/') + 1);
  if (!last.includes(':') && !ref.includes('@')) ref += ':latest';
  return ref;
}

/** A stable digest per image name: there are no image layers to hash. */
export function imageID(image: string): string {
  const ref = normalizeImage(image);
  const repo = ref.replace(/@.*$/, '').replace(/:[^/:]+$/, '');
  return `${repo}@sha256:${createHash('sha256').update(ref).digest('hex')}`;
}

const time = (ms: number): string => rfc3339(new Date(ms));

function terminated(e: Exit): ApiContainerState {
  return {
    terminated: {
      exitCode: e.exitCode,
      reason: e.reason,
      ...(e.message ? { message: e.message } : {}),
      startedAt: time(e.startedAt),
      finishedAt: time(e.finishedAt),
      containerID: CONTAINER_ID_PREFIX + e.containerID,
    },
  };
}

export function containerStatus(spec: Container, rec: ContainerRecord): ApiContainerStatus {
  let state: ApiContainerState;
  let last: Exit | undefined = rec.lastExit;
  let id: string | undefined;
  if (rec.run) {
    state = { running: { startedAt: time(rec.run.startedAt) } };
    id = rec.run.containerID;
  } else if (rec.waiting || !rec.lastExit) {
    state = { waiting: { ...(rec.waiting ?? { reason: 'ContainerCreating' }) } };
    id = rec.lastExit?.containerID;
  } else {
    state = terminated(rec.lastExit);
    id = rec.lastExit.containerID;
    last = rec.exitBefore;
  }
  const image = spec.image ?? '';
  return {
    name: rec.name,
    state,
    lastState: last ? terminated(last) : {},
    ready: rec.run?.ready ?? false,
    restartCount: rec.restartCount,
    image: normalizeImage(image),
    imageID: id ? imageID(image) : '',
    ...(id ? { containerID: CONTAINER_ID_PREFIX + id } : {}),
    started: rec.run?.started ?? false,
  };
}

/** Init containers are done when each has exited 0 (and is not about to run again). */
export function initDone(init: ContainerRecord[]): boolean {
  return init.every((r) => !r.run && !r.waiting && r.lastExit?.exitCode === 0);
}

/** kubelet's getPhase: the init containers first, then the app containers. */
export function podPhase(restartPolicy: string | undefined, view: Pick<PodView, 'init' | 'containers' | 'sandboxGone'>): Phase {
  const initFailed = view.init.some((r) => !r.run && !r.waiting && r.lastExit && r.lastExit.exitCode !== 0);
  if (initFailed && restartPolicy === 'Never') return 'Failed';
  if (!initDone(view.init)) return 'Pending';
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const r of view.containers) {
    if (r.run) running++;
    else if (r.lastExit) {
      // Waiting to restart after an exit counts as stopped, as does a final exit.
      stopped++;
      if (!r.waiting && r.lastExit.exitCode === 0) succeeded++;
    } else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped === 0) return 'Pending';
  // A deleted pod whose containers all stopped ends in a terminal phase whatever its policy.
  if (view.sandboxGone) return stopped === succeeded ? 'Succeeded' : 'Failed';
  if (restartPolicy === 'Always') return 'Running';
  if (stopped === succeeded) return 'Succeeded';
  if (restartPolicy === 'Never') return 'Failed';
  return 'Running';
}

function unready(records: ContainerRecord[]): string[] {
  return records.filter((r) => !r.run?.ready).map((r) => r.name);
}

function condition(type: string, ok: boolean, reason?: string, message?: string): Omit<ApiPodCondition, 'lastTransitionTime'> {
  return { type, status: ok ? 'True' : 'False', lastProbeTime: null, ...(reason && !ok ? { reason } : {}), ...(message && !ok ? { message } : {}) };
}

/** The five conditions kubelet reports, in its order; a transition time changes only when the
 *  condition's status does. */
export function podConditions(pod: Pod, view: PodView, phase: Phase): ApiPodCondition[] {
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const initialized = initDone(view.init);
  const notReady = unready(view.containers);
  const list = (names: string[]): string => `[${names.join(' ')}]`;
  const containersReady =
    phase === 'Succeeded'
      ? condition('ContainersReady', false, 'PodCompleted')
      : condition('ContainersReady', notReady.length === 0, 'ContainersNotReady', `containers with unready status: ${list(notReady)}`);
  const gates = (pod.spec?.readinessGates ?? []).map((g) => g.conditionType);
  const existing = (pod.status?.conditions ?? []) as ApiPodCondition[];
  const missingGates = gates.filter((g) => existing.find((c) => c.type === g)?.status !== 'True');
  let ready = { ...containersReady, type: 'Ready' };
  if (containersReady.status === 'True' && missingGates.length)
    ready = condition('Ready', false, 'ReadinessGatesNotReady', `the status of pod readiness gate "${missingGates[0]}" is not "True", but False`);
  const incomplete = view.init.filter((r) => !(r.lastExit?.exitCode === 0 && !r.run && !r.waiting)).map((r) => r.name);
  const computed = [
    condition('PodReadyToStartContainers', view.podIPs.length > 0 && !view.sandboxGone && !terminal),
    initialized || terminal
      ? condition('Initialized', true)
      : condition('Initialized', false, 'ContainersNotInitialized', `containers with incomplete status: ${list(incomplete)}`),
    ready,
    containersReady,
    condition('PodScheduled', true),
  ];
  const now = time(view.now);
  // Conditions others own (readiness gates) are kept as they are.
  const foreign = existing.filter((c) => !computed.some((x) => x.type === c.type));
  return [
    ...computed.map((c) => {
      const prev = existing.find((p) => p.type === c.type);
      return { ...c, lastTransitionTime: prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : now };
    }),
    ...foreign,
  ];
}

export function podStatus(pod: Pod, view: PodView): ApiPodStatus {
  const spec = pod.spec ?? {};
  const phase = podPhase(spec.restartPolicy, view);
  const byName = (list: Container[] | undefined, r: ContainerRecord): Container => list?.find((c) => c.name === r.name) ?? {};
  return {
    phase,
    conditions: podConditions(pod, view, phase),
    hostIP: view.hostIPs[0]!,
    hostIPs: view.hostIPs.map((ip) => ({ ip })),
    ...(view.podIPs.length ? { podIP: view.podIPs[0], podIPs: view.podIPs.map((ip) => ({ ip })) } : {}),
    startTime: time(view.startTime),
    ...(pod.status?.qosClass ? { qosClass: pod.status.qosClass } : {}),
    ...(view.init.length ? { initContainerStatuses: view.init.map((r) => containerStatus(byName(spec.initContainers, r), r)) } : {}),
    containerStatuses: view.containers.map((r) => containerStatus(byName(spec.containers, r), r)),
  };
}
