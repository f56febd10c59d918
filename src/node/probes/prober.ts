// The probe workers of one container run: each configured probe runs first initialDelaySeconds
// after the start, then every periodSeconds; readiness and liveness wait for the startup probe
// to pass, and the startup probe stops once it has. A new run of the container gets new
// workers, so results start over from their initial values, as kubelet's do.

import type { Container, Probe } from '../../apis/core/pod-template.js';
import type { Clock, Timer } from '../../util/clock.js';
import { initialState, observe, type ProbeKind, type ProbeResult, type ProbeState } from './probe-state.js';
import type { ProbeRunner, ProbeTarget } from './run-probe.js';

export interface ProbeListener {
  /** A probe's result flipped (after its thresholds). */
  changed(kind: ProbeKind, result: ProbeResult): void;
  /** One attempt failed (an Unhealthy event). */
  failed(kind: ProbeKind, output: string): void;
}

const KINDS: [ProbeKind, keyof Container][] = [
  ['startup', 'startupProbe'],
  ['readiness', 'readinessProbe'],
  ['liveness', 'livenessProbe'],
];

export class ContainerProbers {
  private readonly probes = new Map<ProbeKind, Probe>();
  private readonly states = new Map<ProbeKind, ProbeState>();
  private readonly timers = new Map<ProbeKind, Timer>();
  private readonly inFlight = new Set<ProbeKind>();
  private stopped = false;

  constructor(
    container: Container,
    private readonly target: ProbeTarget,
    private readonly startedAt: number,
    private readonly clock: Clock,
    private readonly run: ProbeRunner,
    private readonly listener: ProbeListener,
  ) {
    for (const [kind, key] of KINDS) {
      const probe = container[key] as Probe | undefined;
      if (!probe) continue;
      this.probes.set(kind, probe);
      this.states.set(kind, initialState(kind));
    }
  }

  has(kind: ProbeKind): boolean {
    return this.probes.has(kind);
  }

  result(kind: ProbeKind): ProbeResult {
    return this.states.get(kind)?.result ?? 'success';
  }

  /** Started: the startup probe passed, or there is none. */
  get started(): boolean {
    return !this.probes.has('startup') || this.result('startup') === 'success';
  }

  start(): void {
    for (const kind of this.probes.keys()) this.schedule(kind, this.delayUntilFirst(kind));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }

  private delayUntilFirst(kind: ProbeKind): number {
    const initial = (this.probes.get(kind)!.initialDelaySeconds ?? 0) * 1000;
    return Math.max(0, this.startedAt + initial - this.clock.now());
  }

  private schedule(kind: ProbeKind, ms: number): void {
    if (this.stopped) return;
    this.timers.get(kind)?.cancel();
    this.timers.set(kind, this.clock.after(ms, () => void this.tick(kind)));
  }

  private async tick(kind: ProbeKind): Promise<void> {
    const probe = this.probes.get(kind)!;
    this.schedule(kind, (probe.periodSeconds ?? 10) * 1000);
    if (this.inFlight.has(kind)) return;
    if (kind !== 'startup' && !this.started) return;
    if (kind === 'startup' && this.started) {
      this.timers.get(kind)?.cancel();
      return;
    }
    this.inFlight.add(kind);
    let outcome;
    try {
      outcome = await this.run(probe, this.target);
    } finally {
      this.inFlight.delete(kind);
    }
    if (this.stopped) return;
    if (!outcome.ok) this.listener.failed(kind, outcome.output);
    const before = this.states.get(kind)!;
    const after = observe(before, outcome.ok, probe.successThreshold ?? 1, probe.failureThreshold ?? 3);
    this.states.set(kind, after);
    if (after.result !== before.result) {
      // Startup passing lets the other probes begin at once rather than a period later.
      if (kind === 'startup' && after.result === 'success') for (const k of this.probes.keys()) if (k !== 'startup') this.schedule(k, this.delayUntilFirst(k));
      this.listener.changed(kind, after.result);
    }
  }
}
