// Pods (core/v1). Defaults and validation of the spec live in pod-template.ts (shared with the
// workload controllers' templates); here: what only Pods have — the status they start with,
// what admission adds on create, which spec fields an update may touch, and the Table row
// (READY, STATUS, RESTARTS computed as pkg/printers/internalversion printPod does).

import { canonicalJson } from '../../util/canonical-json.js';
import { rfc3339 } from '../../util/time.js';
import { field, type FieldError } from '../../util/status-errors.js';
import { age, ageColumn, column, defineResource, nameColumn, since, validateMeta } from '../descriptor.js';
import type { KubeObject } from '../types.js';
import { isDNS1123Subdomain } from '../../util/name-format.js';
import { defaultPodSpec, validatePodSpec, type Container, type PodSpec } from './pod-template.js';
import { mountServiceAccountToken } from './service-account-admission.js';

interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { exitCode?: number; signal?: number; reason?: string; finishedAt?: string };
}

export interface ContainerStatus {
  name: string;
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
  state?: ContainerState;
  lastState?: ContainerState;
  image?: string;
}

export interface PodStatus {
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  reason?: string;
  message?: string;
  conditions?: { type: string; status: string; reason?: string; lastTransitionTime?: string }[];
  podIP?: string;
  podIPs?: { ip: string }[];
  hostIP?: string;
  hostIPs?: { ip: string }[];
  nominatedNodeName?: string;
  qosClass?: string;
  initContainerStatuses?: ContainerStatus[];
  containerStatuses?: ContainerStatus[];
  startTime?: string;
}

export interface Pod extends KubeObject {
  spec?: PodSpec;
  status?: PodStatus;
}

/** The message Kubernetes gives for a forbidden change to a pod's spec. */
export const POD_UPDATE_FORBIDDEN =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

const NODE_UNREACHABLE_REASON = 'NodeLost';

// The DefaultTolerationSeconds admission plugin: pods ride out 5 minutes of node trouble.
const DEFAULT_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];

/** BestEffort without any requests or limits; Guaranteed when every container's requests equal
 *  its cpu and memory limits; Burstable otherwise. */
export function qosClass(spec: PodSpec): string {
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  const resources = containers.map((c) => c.resources ?? {});
  if (resources.every((r) => !Object.keys(r.requests ?? {}).length && !Object.keys(r.limits ?? {}).length)) return 'BestEffort';
  const guaranteed = resources.every((r) =>
    ['cpu', 'memory'].every((k) => r.limits?.[k] !== undefined && (r.requests?.[k] ?? r.limits[k]) === r.limits[k]),
  );
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function isRestartableInit(c: Container | undefined): boolean {
  return c?.restartPolicy === 'Always';
}

const later = (a: string, b: string | undefined): string => (b && (!a || Date.parse(b) > Date.parse(a)) ? b : a);

/** READY, STATUS and RESTARTS of `kubectl get pods`, following printPod's rules. */
export function podStatusCells(pod: Pod, now: Date): [string, string, string] {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  const initSpecs = new Map((spec.initContainers ?? []).map((c) => [c.name, c]));
  const total = (spec.containers ?? []).length + [...initSpecs.values()].filter(isRestartableInit).length;
  let ready = 0;
  let restarts = 0;
  let lastRestart = '';
  let sidecarRestarts = 0;
  let lastSidecarRestart = '';
  let reason: string = status.reason || status.phase || '';
  if (status.conditions?.some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';

  let initializing = false;
  const inits = status.initContainerStatuses ?? [];
  for (let i = 0; i < inits.length; i++) {
    const c = inits[i];
    const sidecar = isRestartableInit(initSpecs.get(c.name));
    restarts += c.restartCount ?? 0;
    lastRestart = later(lastRestart, c.lastState?.terminated?.finishedAt);
    if (sidecar) {
      sidecarRestarts += c.restartCount ?? 0;
      lastSidecarRestart = later(lastSidecarRestart, c.lastState?.terminated?.finishedAt);
    }
    const t = c.state?.terminated;
    const w = c.state?.waiting;
    if (t && t.exitCode === 0) continue;
    if (sidecar && c.started) {
      if (c.ready) ready++;
      continue;
    }
    if (t) reason = t.reason ? `Init:${t.reason}` : t.signal ? `Init:Signal:${t.signal}` : `Init:ExitCode:${t.exitCode ?? 0}`;
    else if (w?.reason && w.reason !== 'PodInitializing') reason = `Init:${w.reason}`;
    else reason = `Init:${i}/${initSpecs.size}`;
    initializing = true;
    break;
  }

  const initialized = status.conditions?.some((c) => c.type === 'Initialized' && c.status === 'True') ?? false;
  if (!initializing || initialized) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    // Backwards, so the first container's state wins the STATUS cell.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += c.restartCount ?? 0;
      lastRestart = later(lastRestart, c.lastState?.terminated?.finishedAt);
      const { waiting: w, terminated: t, running } = c.state ?? {};
      if (w?.reason) reason = w.reason;
      else if (t?.reason) reason = t.reason;
      else if (t) reason = t.signal ? `Signal:${t.signal}` : `ExitCode:${t.exitCode ?? 0}`;
      else if (c.ready && running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning)
      reason = status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
  }

  const terminal = status.phase === 'Succeeded' || status.phase === 'Failed';
  if (pod.metadata.deletionTimestamp && status.reason === NODE_UNREACHABLE_REASON) reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && !terminal) reason = 'Terminating';

  const restartCell = restarts !== 0 && lastRestart ? `${restarts} (${since(lastRestart, now)} ago)` : String(restarts);
  return [`${ready}/${total}`, reason, restartCell];
}

function readinessGatesCell(pod: Pod): string {
  const gates = pod.spec?.readinessGates ?? [];
  if (gates.length === 0) return '<none>';
  const conditions = pod.status?.conditions ?? [];
  const trueCount = gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True').length;
  return `${trueCount}/${gates.length}`;
}

// The spec fields ValidatePodUpdate lets change; everything else must stay as it was.
function withUpdatableFieldsOf(spec: PodSpec, from: PodSpec): PodSpec {
  const images = (list: Container[] | undefined, src: Container[] | undefined): Container[] | undefined =>
    list?.map((c, i) => (src?.[i] ? { ...c, image: src[i].image } : c));
  const oldTolerations = JSON.stringify(spec.tolerations ?? []);
  const added = (from.tolerations ?? []).slice(0, spec.tolerations?.length ?? 0);
  return {
    ...spec,
    containers: images(spec.containers, from.containers),
    initContainers: images(spec.initContainers, from.initContainers),
    activeDeadlineSeconds: from.activeDeadlineSeconds,
    // Tolerations may only grow: the old ones must stay, in place.
    tolerations: JSON.stringify(added) === oldTolerations ? from.tolerations : spec.tolerations,
    terminationGracePeriodSeconds:
      (spec.terminationGracePeriodSeconds ?? 0) < 0 && from.terminationGracePeriodSeconds === 1 ? 1 : spec.terminationGracePeriodSeconds,
  };
}

function validatePodUpdate(pod: Pod, old: Pod): FieldError[] {
  const spec = pod.spec ?? {};
  const oldSpec = old.spec ?? {};
  // A status write or a kubelet's update carries the stored spec back as it was, keys in order:
  // one native stringify each settles it (canonicalJson sorts every object's keys).
  if (JSON.stringify(spec) === JSON.stringify(oldSpec)) return [];
  if (canonicalJson(withUpdatableFieldsOf(oldSpec, spec)) === canonicalJson(spec)) return [];
  const changed = [...new Set([...Object.keys(spec), ...Object.keys(oldSpec)])]
    .filter((k) => canonicalJson(spec[k]) !== canonicalJson(withUpdatableFieldsOf(oldSpec, spec)[k]))
    .sort();
  return [field.forbidden('spec', `${POD_UPDATE_FORBIDDEN}\n  changed: ${changed.map((k) => `spec.${k}`).join(', ')}`)];
}

export const pods = defineResource<Pod>({
  group: '',
  version: 'v1',
  kind: 'Pod',
  resource: 'pods',
  shortNames: ['po'],
  categories: ['all'],
  namespaced: true,
  subresources: ['status', 'binding', 'log', 'exec', 'attach', 'portforward', 'proxy'],
  columns: [
    nameColumn(),
    column('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'The aggregate status of the containers in this pod.'),
    column('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    ageColumn(),
    column('IP', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', { priority: 1 }),
    column('Node', 'NodeName indicates in which node this pod is scheduled.', { priority: 1 }),
    column('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node.', { priority: 1 }),
    column('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', { priority: 1 }),
  ],
  row(pod, now) {
    return [
      pod.metadata.name,
      ...podStatusCells(pod, now),
      age(pod, now),
      pod.status?.podIPs?.[0]?.ip || pod.status?.podIP || '<none>',
      pod.spec?.nodeName || '<none>',
      pod.status?.nominatedNodeName || '<none>',
      readinessGatesCell(pod),
    ];
  },
  selectableFields: (pod) => ({
    'spec.nodeName': pod.spec?.nodeName ?? '',
    'spec.restartPolicy': pod.spec?.restartPolicy ?? '',
    'spec.schedulerName': pod.spec?.schedulerName ?? '',
    'spec.serviceAccountName': pod.spec?.serviceAccountName ?? '',
    'spec.hostNetwork': String(pod.spec?.hostNetwork ?? false),
    'status.phase': pod.status?.phase ?? '',
    'status.podIP': pod.status?.podIPs?.[0]?.ip ?? pod.status?.podIP ?? '',
    'status.nominatedNodeName': pod.status?.nominatedNodeName ?? '',
  }),
  defaults(pod) {
    const spec = (pod.spec ??= {});
    defaultPodSpec(spec);
    spec.enableServiceLinks ??= true;
    // Requests default to limits when only limits are given.
    for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])])
      if (c.resources?.limits && !c.resources.requests) c.resources.requests = { ...c.resources.limits };
  },
  prepareForCreate(pod) {
    const spec = (pod.spec ??= {});
    pod.status = { phase: 'Pending', qosClass: qosClass(spec) };
    // What Kubernetes' default admission plugins add (ServiceAccount, DefaultTolerationSeconds,
    // Priority), so pods read back as they do from a real cluster.
    spec.serviceAccountName ||= spec.serviceAccount || 'default';
    spec.serviceAccount = spec.serviceAccountName;
    const tolerations = (spec.tolerations ??= []);
    // As DefaultTolerationSeconds: only where no toleration already covers the taint's key (or
    // every key) for NoExecute (or every effect).
    for (const t of DEFAULT_TOLERATIONS)
      if (!tolerations.some((x) => (!x.key || x.key === t.key) && (!x.effect || x.effect === t.effect))) tolerations.push({ ...t });
    spec.priority ??= 0;
    spec.preemptionPolicy ??= 'PreemptLowerPriority';
  },
  async beforeCreate(pod, ctx) {
    // The ServiceAccount admission plugin, which reads the pod's ServiceAccount. Kubernetes
    // refuses a pod whose ServiceAccount does not exist; here it runs without a token.
    const sa = await ctx.store.get(`/registry/serviceaccounts/${pod.metadata.namespace}/${pod.spec!.serviceAccountName}`);
    if (sa) mountServiceAccountToken(pod.spec!, (JSON.parse(sa.value) as { automountServiceAccountToken?: boolean }).automountServiceAccountToken);
  },
  checkGracefulDelete(pod, opts, now) {
    // A pod on a node is stopped by its node, which then deletes it with grace 0; a terminal
    // pod, or one on no node, goes at once.
    const phase = pod.status?.phase;
    if (!pod.spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') return false;
    const grace = opts.gracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
    const already = pod.metadata.deletionGracePeriodSeconds;
    if (already === undefined || grace < already) {
      pod.metadata.deletionGracePeriodSeconds = grace;
      pod.metadata.deletionTimestamp = rfc3339(new Date(now.getTime() + grace * 1000));
    }
    return grace > 0;
  },
  validate(pod, old) {
    const errs = validateMeta(pod, old, { namespaced: true, validateName: isDNS1123Subdomain });
    errs.push(...validatePodSpec(pod.spec, 'spec'));
    if (old) errs.push(...validatePodUpdate(pod, old));
    return errs;
  },
});
