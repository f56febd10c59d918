// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does: every
// retry period a candidate tries to acquire or renew the lease (compare-and-swap on its
// resourceVersion); a holder that has not renewed within the renew deadline stops leading; a
// lease whose record has not changed for a lease duration (measured on the candidate's own
// clock from when it first saw that record, so clock skew between hosts does not matter) may
// be taken over. On stop, the leader releases the lease so another candidate takes over at once.

import type { Logger } from 'pino';
import type { Lease } from '../apis/coordination/leases.js';
import { StatusError } from '../util/status-errors.js';
import { R, type Client } from './client.js';
import type { Clock, Timer } from '../util/clock.js';

export type LeaseSpec = NonNullable<Lease['spec']>;

export interface LeaderElectionTiming {
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

/** kube-controller-manager's defaults (--leader-elect-lease-duration 15s, renew deadline 10s, retry period 2s). */
export const DEFAULT_TIMING: LeaderElectionTiming = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

export type Decision =
  | { action: 'acquire' | 'renew'; spec: LeaseSpec }
  | { action: 'wait'; holder: string; expiresAt: number };

/** Lease times are MicroTime: RFC 3339 with microseconds. */
export const microTime = (ms: number): string => new Date(ms).toISOString().replace(/Z$/, '000Z');

/** What a candidate does with the lease as it is now. `observedAt` is when the candidate first
 *  saw this lease record unchanged; the holder's renewTime is not trusted across clocks. */
export function decide(current: LeaseSpec | undefined, observedAt: number, now: number, identity: string, leaseDurationMs: number): Decision {
  const spec = (acquireTime: string, leaseTransitions: number): LeaseSpec => ({
    holderIdentity: identity,
    leaseDurationSeconds: Math.max(1, Math.ceil(leaseDurationMs / 1000)),
    acquireTime,
    renewTime: microTime(now),
    leaseTransitions,
  });
  if (current?.holderIdentity === identity) {
    return { action: 'renew', spec: spec(current.acquireTime ?? microTime(now), current.leaseTransitions ?? 0) };
  }
  const holder = current?.holderIdentity ?? '';
  const expiresAt = observedAt + (current?.leaseDurationSeconds ?? 0) * 1000;
  if (holder && expiresAt > now) return { action: 'wait', holder, expiresAt };
  const transitions = (current?.leaseTransitions ?? 0) + (current ? 1 : 0);
  return { action: 'acquire', spec: spec(microTime(now), transitions) };
}

export interface LeaderElectorOptions {
  client: Client;
  namespace: string;
  name: string;
  identity: string;
  timing: LeaderElectionTiming;
  clock: Clock;
  log: Logger;
  /** Called on becoming leader; what it starts runs until onStoppedLeading. */
  onStartedLeading(): Promise<void> | void;
  onStoppedLeading(): Promise<void> | void;
}

export class LeaderElector {
  private observed?: { record: string; at: number };
  private lastRenew = -Infinity;
  private leading = false;
  private stopped = false;
  private timer?: Timer;
  /** Start and stop callbacks run one at a time, in order. */
  private transitions: Promise<void> = Promise.resolve();

  constructor(private readonly o: LeaderElectorOptions) {}

  get isLeader(): boolean {
    return this.leading;
  }

  /** Starts campaigning; resolves after the first attempt (and, if it won, after
   *  onStartedLeading), so a sole candidate leads before start() returns. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.tick();
    await this.transitions;
  }

  /** Stops campaigning, stops leading and releases the lease if held. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    if (this.leading) {
      this.setLeading(false);
      await this.release().catch((err: unknown) => this.o.log.warn({ err }, 'could not release the leader lease'));
    }
    await this.transitions;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    await this.tryAcquireOrRenew()
      .then((ok) => {
        const now = this.o.clock.now();
        if (ok) this.lastRenew = now;
        if (this.stopped) return;
        if (ok && !this.leading) this.setLeading(true);
        else if (!ok && this.leading && now - this.lastRenew >= this.o.timing.renewDeadlineMs) this.setLeading(false);
      })
      .finally(() => {
        if (!this.stopped) this.timer = this.o.clock.after(this.o.timing.retryPeriodMs, () => void this.tick());
      });
  }

  private setLeading(leading: boolean): void {
    this.leading = leading;
    this.o.log.info({ lease: `${this.o.namespace}/${this.o.name}`, identity: this.o.identity }, leading ? 'became leader' : 'stopped leading');
    const fn = leading ? this.o.onStartedLeading : this.o.onStoppedLeading;
    this.transitions = this.transitions
      .then(() => fn())
      .catch(async (err: unknown) => {
        this.o.log.error({ err }, 'leader transition failed');
        // A leader that could not start its work must not sit on the lease: let go, so this
        // or another candidate starts over.
        if (leading && this.leading) {
          this.leading = false;
          await this.release().catch(() => undefined);
        }
      });
  }

  /** True when this candidate holds the lease after the attempt. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { client, namespace, name } = this.o;
    const now = this.o.clock.now();
    let current: Lease | undefined;
    try {
      current = await client.get<Lease>(R.leases, namespace, name);
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 404)) return this.failed(err);
    }
    const record = JSON.stringify(current?.spec ?? null);
    if (this.observed?.record !== record) this.observed = { record, at: now };
    const d = decide(current?.spec, this.observed.at, now, this.o.identity, this.o.timing.leaseDurationMs);
    if (d.action === 'wait') return false;
    try {
      const lease = current
        ? await client.update<Lease>(R.leases, namespace, { ...current, spec: d.spec })
        : await client.create<Lease>(R.leases, namespace, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: d.spec });
      this.observed = { record: JSON.stringify(lease.spec ?? null), at: now };
      return true;
    } catch (err) {
      return this.failed(err);
    }
  }

  private failed(err: unknown): false {
    // A conflict means another candidate wrote first: normal, not worth a warning.
    if (!(err instanceof StatusError && (err.code === 409 || err.code === 404))) this.o.log.warn({ err }, 'leader lease update failed');
    return false;
  }

  /** As client-go's ReleaseOnCancel: an empty holder and a 1 s lease, so others take over now. */
  private async release(): Promise<void> {
    const { client, namespace, name } = this.o;
    const current = await client.get<Lease>(R.leases, namespace, name);
    if (current.spec?.holderIdentity !== this.o.identity) return;
    const now = microTime(this.o.clock.now());
    await client.update(R.leases, namespace, { ...current, spec: { ...current.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now } });
  }
}
