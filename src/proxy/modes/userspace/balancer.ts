// One endpoint set of a service port (its Cluster or its Local set): the scheduler, session
// affinity and the open connections per endpoint. An endpoint that leaves gets no new
// connection at once; its open ones are closed after the drain time (at once for UDP flows,
// so no datagram goes to an endpoint that is gone).

import type { Clock, Timer } from '../../../util/clock.js';
import { AffinityTable } from './affinity.js';
import { createScheduler, type PickContext, type Scheduler, type SchedulerName } from './scheduler.js';

export interface Backend {
  /** `ip:port` */
  key: string;
  ip: string;
  port: number;
  weight: number;
}

/** Something open through an endpoint that a drain can close. */
export interface Conn {
  close(): void;
}

export interface BalancerConfig {
  backends: Backend[];
  scheduler: SchedulerName;
  /** Session affinity ClientIP when set. */
  affinityTimeoutMs?: number;
  /** How long open connections to a removed endpoint may live on. */
  drainMs: number;
}

export class Balancer {
  private backends = new Map<string, Backend>();
  private schedulerName?: SchedulerName;
  private scheduler!: Scheduler;
  private affinity?: AffinityTable;
  private readonly conns = new Map<string, Set<Conn>>();
  private readonly drains = new Map<string, Timer>();

  constructor(private readonly clock: Clock, private readonly random: () => number = Math.random) {}

  configure(cfg: BalancerConfig): void {
    const next = new Map(cfg.backends.map((b) => [b.key, b]));
    for (const key of this.conns.keys()) {
      if (!next.has(key)) this.drain(key, cfg.drainMs);
    }
    for (const key of next.keys()) {
      this.drains.get(key)?.cancel();
      this.drains.delete(key);
    }
    this.backends = next;
    if (cfg.scheduler !== this.schedulerName) {
      this.schedulerName = cfg.scheduler;
      this.scheduler = createScheduler(cfg.scheduler, this.random);
    }
    if (cfg.affinityTimeoutMs === undefined) this.affinity = undefined;
    else if (this.affinity?.timeoutMs !== cfg.affinityTimeoutMs) this.affinity = new AffinityTable(this.clock, cfg.affinityTimeoutMs);
  }

  /** The endpoint for a new connection, skipping those already tried; undefined when none is left. */
  pick(ctx: PickContext, exclude: ReadonlySet<string> = new Set()): Backend | undefined {
    const sticky = this.affinity?.lookup(ctx.clientIP);
    if (sticky && this.backends.has(sticky) && !exclude.has(sticky)) {
      this.affinity!.remember(ctx.clientIP, sticky);
      return this.backends.get(sticky);
    }
    const cands = [...this.backends.values()]
      .filter((b) => b.weight > 0 && !exclude.has(b.key))
      .map((b) => ({ key: b.key, weight: b.weight, active: this.conns.get(b.key)?.size ?? 0 }));
    const chosen = this.scheduler?.pick(cands, ctx);
    if (!chosen) return undefined;
    this.affinity?.remember(ctx.clientIP, chosen.key);
    return this.backends.get(chosen.key);
  }

  /** Counts an open connection to an endpoint; call the returned function when it closes. */
  track(key: string, conn: Conn): () => void {
    let set = this.conns.get(key);
    if (!set) this.conns.set(key, (set = new Set()));
    set.add(conn);
    return () => {
      set.delete(conn);
      if (set.size === 0 && this.conns.get(key) === set) this.conns.delete(key);
    };
  }

  activeConnections(key: string): number {
    return this.conns.get(key)?.size ?? 0;
  }

  private drain(key: string, ms: number): void {
    const closeAll = (): void => {
      this.drains.delete(key);
      for (const c of [...(this.conns.get(key) ?? [])]) c.close();
    };
    if (ms <= 0) closeAll();
    else if (!this.drains.has(key)) this.drains.set(key, this.clock.after(ms, closeAll));
  }
}
