// The userspace mode: renders the state into a plan (plan.ts), then makes the sockets match
// it — balancers reconfigured in place, listeners opened and closed one by one so the others
// are never disturbed. A port that cannot be bound is reported on its Service (Event + log)
// and tried again at the next sync; everything else goes on.

import type { Logger } from 'pino';
import type { ProxyMetrics } from '../../metrics.js';
import type { Mode } from '../../proxier.js';
import type { ProxyState, ServicePortInfo } from '../../state/types.js';
import type { EndpointTraffic } from '../../traffic.js';
import { Balancer } from './balancer.js';
import { planUserspace, type BalancerSpec, type ListenerSpec } from './plan.js';
import type { DatapathDeps, Listener, Route } from './route.js';
import type { SchedulerName } from './scheduler.js';
import { forgetServiceStats, serviceStats, type ServiceStats } from './stats.js';
import { listenTcp } from './tcp-listener.js';
import { listenUdp, type UdpProblems } from './udp-listener.js';

export interface Reporter {
  (service: ServicePortInfo, reason: string, message: string): void;
}

export interface UserspaceOptions extends DatapathDeps {
  log: Logger;
  metrics: ProxyMetrics;
  report: Reporter;
  defaultScheduler: SchedulerName;
  /** How long open TCP connections to a removed endpoint may go on. */
  drainMs: number;
}

export class UserspaceMode implements Mode {
  readonly name = 'userspace';
  private readonly balancers = new Map<string, { spec: BalancerSpec; balancer: Balancer }>();
  /** By service port key. */
  private readonly stats = new Map<string, ServiceStats>();
  private readonly specs = new Map<string, ListenerSpec>();
  private readonly listeners = new Map<string, Listener>();
  /** Last problem reported per listener or service, so a repeat is not reported again. */
  private reported = new Set<string>();

  constructor(private readonly opts: UserspaceOptions) {}

  async apply(state: ProxyState): Promise<void> {
    const plan = planUserspace(state, this.opts.defaultScheduler);
    const seen = new Set<string>();
    for (const p of plan.problems) this.reportOnce(seen, p.service, p.reason, p.message);

    for (const [key, spec] of plan.balancers) {
      const entry = this.balancers.get(key) ?? { spec, balancer: new Balancer(this.opts.clock) };
      entry.spec = spec;
      entry.balancer.configure({
        backends: spec.backends,
        scheduler: spec.scheduler,
        affinityTimeoutMs: spec.affinityTimeoutMs,
        drainMs: spec.service.protocol === 'UDP' ? 0 : this.opts.drainMs,
      });
      this.balancers.set(key, entry);
      if (!this.stats.has(spec.service.key)) this.stats.set(spec.service.key, serviceStats(this.opts.metrics, spec.service));
    }
    for (const [key, { spec, balancer }] of this.balancers) {
      if (plan.balancers.has(key)) continue;
      // Gone: its open connections drain like those of any removed endpoint.
      balancer.configure({ backends: [], scheduler: spec.scheduler, drainMs: spec.service.protocol === 'UDP' ? 0 : this.opts.drainMs });
      this.balancers.delete(key);
    }
    for (const [service, stats] of this.stats) {
      // Still draining: forgotten at a later sync (at least every resync period).
      if (state.ports.has(service) || stats.open() > 0) continue;
      forgetServiceStats(this.opts.metrics, service);
      this.stats.delete(service);
    }

    const closing = [...this.listeners.keys()].filter((k) => !plan.listeners.has(k));
    await Promise.all(closing.map((k) => this.close(k)));
    for (const [key, spec] of plan.listeners) this.specs.set(key, spec);
    const opening = [...plan.listeners.values()].filter((s) => !this.listeners.has(s.key));
    await Promise.all(opening.map((s) => this.open(s, seen)));
    this.reported = seen;
  }

  async traffic(): Promise<EndpointTraffic[]> {
    return [...this.stats.values()].flatMap((s) => s.traffic());
  }

  /** Closes every listener and every connection still open through them. */
  async stop(): Promise<void> {
    await Promise.all([...this.listeners.keys()].map((k) => this.close(k)));
    for (const { spec, balancer } of this.balancers.values()) balancer.configure({ backends: [], scheduler: spec.scheduler, drainMs: 0 });
    this.balancers.clear();
  }

  private route(key: string): Route | undefined {
    const spec = this.specs.get(key);
    const entry = spec && this.balancers.get(spec.balancer);
    if (!spec || !entry) return undefined;
    const stats = this.stats.get(spec.service.key);
    if (!stats) return undefined;
    return { verdict: spec.verdict, stats, balancer: entry.balancer, proxyProtocol: entry.spec.proxyProtocol };
  }

  private async open(spec: ListenerSpec, seen: Set<string>): Promise<void> {
    const route = (): Route | undefined => this.route(spec.key);
    try {
      const l = spec.protocol === 'UDP' ? await listenUdp(spec.ip, spec.port, route, this.opts, this.udpProblems(spec)) : await listenTcp(spec.ip, spec.port, route, this.opts);
      this.listeners.set(spec.key, l);
      this.opts.log.debug({ listener: spec.key, service: spec.service.key }, 'listening');
    } catch (err) {
      this.specs.delete(spec.key);
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      const hint = code === 'EACCES' ? ' (ports below 1024 need root or CAP_NET_BIND_SERVICE)' : '';
      this.reportOnce(seen, spec.service, 'FailedToBindPort', `cannot listen on ${spec.key}: ${code}${hint}`);
    }
  }

  /** A full flow table is a Warning Event on the Service; socket errors are logged. */
  private udpProblems(spec: ListenerSpec): UdpProblems {
    const service = spec.service;
    return {
      flowLimitReached: (max) => {
        const message = `UDP flow table of ${spec.key} is full (${max} clients): datagrams from new clients are dropped until a flow ends`;
        this.opts.log.warn({ service: `${service.namespace}/${service.name}`, reason: 'UDPFlowLimitReached' }, message);
        this.opts.report(service, 'UDPFlowLimitReached', message);
      },
      socketError: (where, err) => this.opts.log.warn({ listener: spec.key, service: service.key, where, code: err.code }, `UDP socket error: ${err.message}`),
    };
  }

  private async close(key: string): Promise<void> {
    const l = this.listeners.get(key);
    this.listeners.delete(key);
    this.specs.delete(key);
    await l?.close();
  }

  private reportOnce(seen: Set<string>, service: ServicePortInfo, reason: string, message: string): void {
    const id = `${service.key}|${reason}|${message}`;
    seen.add(id);
    if (this.reported.has(id)) return;
    this.opts.log.warn({ service: `${service.namespace}/${service.name}`, reason }, message);
    this.opts.report(service, reason, message);
  }
}
