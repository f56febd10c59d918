// Runs one pod on this node (kubelet's pod worker + syncPod for the loopback runtime): starts
// init containers in order and then the app containers, restarts them by restartPolicy with
// back-off, acts on probe results, and on deletion stops every process (SIGTERM to the group,
// SIGKILL after the grace period) before handing the pod back for deletion. Every change ends
// in report(): the status is recomputed and the status writer decides whether it changed.

import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Container } from '../apis/core/pod-template.js';
import type { Pod } from '../apis/core/pods.js';
import { goDuration, type RestartBackoff } from './backoff.js';
import type { Clock, Timer } from '../util/clock.js';
import { exitReason, recordExit, restoreRecord, shouldRestart, type ContainerRecord, type SeenContainerStatus } from './container-record.js';
import { podStatus, type ApiPodStatus } from './pod-status.js';
import { ContainerProbers } from './probes/prober.js';
import { unhealthyMessage, type ProbeKind, type ProbeResult } from './probes/probe-state.js';
import type { ProbeRunner } from './probes/run-probe.js';
import { inNetns } from './pod-placement.js';
import type { ProcessExit, ProcessHandle, ProcessRunner } from './runtime/process-runner.js';
import type { HostedContainer } from './runtime/hosted-runner.js';
import { ContainerConfigError } from './env.js';

/** A container whose config could not be made is tried again this much later (kubelet's pod
 *  worker backOffPeriod after a failed sync). */
export const CONFIG_RETRY_MS = 10_000;

/** How a container is to be run (from the images and env modules). */
export interface PreparedContainer {
  argv: string[];
  cwd?: string;
  env: Record<string, string>;
  /** The pod's network namespace, where its processes (and exec probes) run; none: the host's. */
  netns?: string;
  /** Served by the node's image host instead of a process of its own. */
  hosted?: HostedContainer;
  /** Events' texts when the container does not run quite as asked. */
  warnings?: { reason: string; message: string }[];
  /** Told the pid of the container's main process once it runs. */
  started?(pid: number): void;
}

export interface PodEvents {
  record(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export interface PodWorkerDeps {
  clock: Clock;
  runner: ProcessRunner;
  probe: ProbeRunner;
  backoff: RestartBackoff;
  events: PodEvents;
  log: Logger;
  /** The node's addresses, primary family first. */
  hostIPs: string[];
  /** `podIPs`: the pod's addresses, primary first. */
  prepare(pod: Pod, container: Container, podIPs: string[]): PreparedContainer;
  logPath(pod: Pod, container: string, restartCount: number): string;
  /** The status as it is now; `final` once a deleted pod's processes are all gone. */
  report(pod: Pod, status: ApiPodStatus, final: boolean): void;
}

interface Running {
  handle: ProcessHandle;
  probers: ContainerProbers;
  /** The image it was started with: a new image in the spec restarts it. */
  image: string | undefined;
  /** SIGKILL is due then (a later, shorter grace period brings it forward). */
  kill?: { at: number; timer: Timer };
}

type Kind = 'init' | 'app';

export class PodWorker {
  private readonly init: ContainerRecord[];
  private readonly containers: ContainerRecord[];
  private readonly running = new Map<ContainerRecord, Running>();
  private readonly backoffTimers = new Map<ContainerRecord, Timer>();
  /** Killed for a new image: they start again at once, whatever the restart policy. */
  private readonly specChanged = new Set<ContainerRecord>();
  private readonly startTime: number;
  private terminating = false;
  private stopped = false;
  private finalReported = false;

  /** `podIPs`: one per family, primary first. */
  constructor(private pod: Pod, readonly podIPs: string[], private readonly deps: PodWorkerDeps) {
    const now = deps.clock.now();
    const seen = (list: SeenContainerStatus[] | undefined, name: string): SeenContainerStatus | undefined => list?.find((s) => s.name === name);
    const status = pod.status as { containerStatuses?: SeenContainerStatus[]; initContainerStatuses?: SeenContainerStatus[] } | undefined;
    this.init = (pod.spec?.initContainers ?? []).map((c) => restoreRecord(c.name!, seen(status?.initContainerStatuses, c.name!), now));
    this.containers = (pod.spec?.containers ?? []).map((c) => restoreRecord(c.name!, seen(status?.containerStatuses, c.name!), now));
    for (const r of this.init) if (!r.lastExit) r.waiting = { reason: 'PodInitializing' };
    this.startTime = pod.status?.startTime ? Date.parse(pod.status.startTime) : now;
  }

  /** The primary family's address: what the pod's containers bind and probes dial. */
  get podIP(): string {
    return this.podIPs[0]!;
  }

  get uid(): string {
    return this.pod.metadata.uid!;
  }

  /** A newer version of the pod from the API. */
  update(pod: Pod): void {
    this.pod = pod;
    if (pod.metadata.deletionTimestamp && !this.terminating) this.terminate((pod.metadata.deletionGracePeriodSeconds ?? 30) * 1000);
    else {
      this.restartChanged();
      this.sync();
    }
  }

  /** Stops every process (the agent stops, or the pod is gone): SIGTERM, SIGKILL after graceMs;
   *  resolves when all have exited. Nothing is reported any more. */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    for (const t of this.backoffTimers.values()) t.cancel();
    const exits = [...this.running.entries()].map(([rec, r]) => {
      this.kill(rec, graceMs);
      return r.handle.exited;
    });
    await Promise.all(exits);
  }

  /** Only the image of a pod's container may change; the container then runs anew. */
  private restartChanged(): void {
    for (const kind of ['init', 'app'] as const) {
      for (const rec of kind === 'init' ? this.init : this.containers) {
        const r = this.running.get(rec);
        if (!r || r.image === this.spec(kind, rec).image || this.specChanged.has(rec)) continue;
        this.specChanged.add(rec);
        this.event('Normal', 'Killing', `Container ${rec.name} definition changed, will be restarted`);
        this.kill(rec, (this.pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000);
      }
    }
  }

  private spec(kind: Kind, rec: ContainerRecord): Container {
    const list = kind === 'init' ? this.pod.spec?.initContainers : this.pod.spec?.containers;
    return list!.find((c) => c.name === rec.name)!;
  }

  private sync(): void {
    if (this.stopped || this.terminating) return;
    const pending = this.init.find((r) => r.run || r.waiting || !r.lastExit || r.lastExit.exitCode !== 0);
    if (pending) {
      if (!pending.run) this.startOrWait('init', pending);
      for (const r of this.containers) if (!r.run && !r.lastExit) r.waiting = { reason: 'PodInitializing' };
    } else {
      for (const r of this.containers) if (!r.run) this.startOrWait('app', r);
    }
    this.report();
  }

  private restartWanted(kind: Kind, rec: ContainerRecord): boolean {
    const policy = this.pod.spec?.restartPolicy;
    // Init containers run to success: Always means OnFailure for them.
    return shouldRestart(kind === 'init' && policy === 'Always' ? 'OnFailure' : policy, rec.lastExit!);
  }

  /** Starts a container that is not running, unless it is done or in back-off. */
  private startOrWait(kind: Kind, rec: ContainerRecord): void {
    if (this.backoffTimers.has(rec)) return;
    const last = rec.lastExit;
    if (this.specChanged.delete(rec)) rec.restartCount++;
    else if (last) {
      if (!this.restartWanted(kind, rec)) {
        rec.waiting = undefined;
        return;
      }
      const { clock, backoff } = this.deps;
      const key = `${this.uid}/${rec.name}`;
      const wait = backoff.remaining(key, last.finishedAt, clock.now());
      if (wait > 0) {
        const p = this.pod.metadata;
        rec.waiting = {
          reason: 'CrashLoopBackOff',
          message: `back-off ${goDuration(backoff.delay(key))} restarting failed container=${rec.name} pod=${p.name}_${p.namespace}(${p.uid})`,
        };
        this.event('Warning', 'BackOff', `Back-off restarting failed container ${rec.name} in pod ${p.name}_${p.namespace}(${p.uid})`);
        this.backoffTimers.set(
          rec,
          clock.after(wait, () => {
            this.backoffTimers.delete(rec);
            this.sync();
          }),
        );
        return;
      }
      backoff.next(key, last.finishedAt, clock.now());
      rec.restartCount++;
    }
    this.start(kind, rec);
  }

  private start(kind: Kind, rec: ContainerRecord): void {
    const deps = this.deps;
    const { clock, runner } = deps;
    const spec = this.spec(kind, rec);
    const image = spec.image ?? '';
    const containerID = randomBytes(32).toString('hex');
    const startedAt = clock.now();
    if (spec.imagePullPolicy === 'Always') {
      this.event('Normal', 'Pulling', `Pulling image "${image}"`);
      this.event('Normal', 'Pulled', `Successfully pulled image "${image}" in 0s (0s including waiting). Image size: 0 bytes.`);
    } else this.event('Normal', 'Pulled', `Container image "${image}" already present on machine`);
    let prepared: PreparedContainer;
    try {
      prepared = deps.prepare(this.pod, spec, this.podIPs);
    } catch (err) {
      if (err instanceof ContainerConfigError) this.configError(rec, err.message);
      else this.failStart(rec, containerID, startedAt, (err as Error).message);
      return;
    }
    for (const w of prepared.warnings ?? []) this.event('Warning', w.reason, w.message);
    const handle = runner.start({
      argv: inNetns(prepared.netns, prepared.argv),
      env: prepared.env,
      cwd: prepared.cwd,
      logPath: deps.logPath(this.pod, rec.name, rec.restartCount),
      ...(prepared.hosted ? { hosted: prepared.hosted } : {}),
    });
    this.event('Normal', 'Created', `Created container ${rec.name}`);
    // The environment is kept for exec probes only: with many Services it is thousands of variables.
    const execProbed = [spec.startupProbe, spec.livenessProbe, spec.readinessProbe].some((p) => p?.exec);
    const target = { podIP: this.podIP, container: spec, env: execProbed ? prepared.env : {}, cwd: prepared.cwd, netns: prepared.netns };
    const probers = new ContainerProbers(spec, target, startedAt, clock, deps.probe, {
      changed: (k, result) => this.probeChanged(rec, k, result),
      failed: (k, output) => this.event('Warning', 'Unhealthy', unhealthyMessage(k, output)),
    });
    rec.run = { containerID, startedAt, started: probers.started, ready: probers.started && !probers.has('readiness') };
    rec.waiting = undefined;
    this.running.set(rec, { handle, probers, image });
    if (handle.pid !== undefined) {
      prepared.started?.(handle.pid);
      this.event('Normal', 'Started', `Started container ${rec.name}`);
    }
    probers.start();
    void handle.exited.then((exit) => this.exited(rec, containerID, startedAt, exit));
  }

  /** A ConfigMap, Secret or key it needs is missing: it waits and is tried again, as kubelet
   *  does, without counting a restart. */
  private configError(rec: ContainerRecord, message: string): void {
    this.event('Warning', 'Failed', `Error: ${message}`);
    rec.waiting = { reason: 'CreateContainerConfigError', message };
    this.backoffTimers.set(
      rec,
      this.deps.clock.after(CONFIG_RETRY_MS, () => {
        this.backoffTimers.delete(rec);
        this.sync();
      }),
    );
  }

  /** The container could not even be prepared (bad image or command). */
  private failStart(rec: ContainerRecord, containerID: string, startedAt: number, message: string): void {
    this.event('Warning', 'Failed', `Error: ${message}`);
    recordExit(rec, { containerID, exitCode: 128, reason: 'StartError', message, startedAt, finishedAt: this.deps.clock.now() });
    rec.waiting = undefined;
  }

  private exited(rec: ContainerRecord, containerID: string, startedAt: number, exit: ProcessExit): void {
    const r = this.running.get(rec);
    r?.probers.stop();
    r?.kill?.timer.cancel();
    this.running.delete(rec);
    if (exit.startError) this.event('Warning', 'Failed', `Error: ${exit.startError}`);
    recordExit(rec, {
      containerID,
      exitCode: exit.exitCode,
      reason: exit.startError ? 'StartError' : exitReason(exit.exitCode),
      ...(exit.startError ? { message: exit.startError } : {}),
      startedAt,
      finishedAt: this.deps.clock.now(),
    });
    if (this.stopped) return;
    if (this.terminating) this.report();
    else this.sync();
  }

  private probeChanged(rec: ContainerRecord, kind: ProbeKind, result: ProbeResult): void {
    const r = this.running.get(rec);
    if (!r || !rec.run || this.terminating || this.stopped) return;
    if ((kind === 'liveness' || kind === 'startup') && result === 'failure') {
      this.event('Normal', 'Killing', `Container ${rec.name} failed ${kind} probe, will be restarted`);
      this.kill(rec, (this.pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000);
      rec.run.ready = false;
    } else {
      rec.run.started = r.probers.started;
      rec.run.ready = rec.run.started && (!r.probers.has('readiness') || r.probers.result('readiness') === 'success');
    }
    this.report();
  }

  private kill(rec: ContainerRecord, graceMs: number): void {
    const r = this.running.get(rec);
    if (!r) return;
    r.probers.stop();
    if (graceMs <= 0) {
      r.handle.signal('SIGKILL');
      return;
    }
    const at = this.deps.clock.now() + graceMs;
    if (r.kill && r.kill.at <= at) return;
    r.handle.signal('SIGTERM');
    r.kill?.timer.cancel();
    r.kill = { at, timer: this.deps.clock.after(graceMs, () => r.handle.signal('SIGKILL')) };
  }

  /** The pod is being deleted: stop its containers, then report the final status. */
  private terminate(graceMs: number): void {
    this.terminating = true;
    for (const t of this.backoffTimers.values()) t.cancel();
    this.backoffTimers.clear();
    for (const rec of [...this.init, ...this.containers]) {
      if (rec.run) {
        this.event('Normal', 'Killing', `Stopping container ${rec.name}`);
        this.kill(rec, graceMs);
        rec.run.ready = false;
      } else if (rec.lastExit) rec.waiting = undefined;
    }
    this.report();
  }

  private report(): void {
    if (this.stopped || this.finalReported) return;
    const final = this.terminating && this.running.size === 0;
    this.finalReported = final;
    const status = podStatus(this.pod, {
      podIPs: this.podIPs,
      hostIPs: this.deps.hostIPs,
      startTime: this.startTime,
      init: this.init,
      containers: this.containers,
      sandboxGone: final,
      now: this.deps.clock.now(),
    });
    this.deps.report(this.pod, status, final);
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.deps.events.record(this.pod, type, reason, message);
  }
}
