// Events about objects (what `kubectl describe` and `kubectl get events` show), recorded the
// way client-go's recorder does: the same reason and message about the same object within a
// short window raise `count` on one Event instead of adding another. A recorder may be rate
// limited as the kubelet's is (eventRecordQPS 50, eventBurst 100): what exceeds the bucket
// waits in a queue of 1,000 (client-go's broadcaster), and what does not fit is dropped.

import type { KubeObject } from '../apis/types.js';
import { rfc3339 } from '../util/time.js';
import { R, type Client } from './client.js';

/** Repeats within this window update the existing Event. */
const AGGREGATE_MS = 10 * 60_000;

/** Events of one object are listed by name, and `kubectl describe` keeps that order for Events
 *  of the same second: as upstream's `NAME.<UnixNano hex>`, the suffix grows with the time and,
 *  within a millisecond, with the order this process recorded them (Created before Started);
 *  its last digits are random, so two recorders of one object in one millisecond differ. */
let recorded = 0;
function eventSuffix(at: Date): string {
  const withinMs = BigInt((recorded++ % 1000) * 1000 + Math.floor(Math.random() * 1000));
  return (BigInt(at.getTime()) * 1_000_000n + withinMs).toString(16);
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
  first: string;
  at: number;
}

export interface EventRateLimit {
  qps: number;
  burst: number;
  /** Events waiting for the bucket; more are dropped. */
  maxQueued: number;
  /** Queued Events wait while `while()` says so, each at most `atMostMs` after it happened and
   *  never while the queue is full (holding costs no Event): the kubelet's pod status writes go
   *  first. An Event keeps the time it happened. */
  hold?: { while: () => boolean; atMostMs: number };
}

/** How often a held queue looks again. */
const HOLD_POLL_MS = 50;

/** The kubelet's: KubeletConfiguration's eventRecordQPS and eventBurst defaults, and client-go's
 *  maxQueuedEvents. A thousand pods starting at once write 4,000 Events: these keep them from
 *  crowding out the writes that make the pods Ready. */
export const KUBELET_EVENT_LIMIT: EventRateLimit = { qps: 50, burst: 100, maxQueued: 1000 };

type Recorded = [obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, at: Date];

export class EventRecorder {
  private readonly seen = new Map<string, Seen>();
  private readonly queued: Recorded[] = [];
  private tokens: number;
  private refilledAt = Date.now();
  private timer?: NodeJS.Timeout;
  /** Events dropped because the queue was full. */
  dropped = 0;

  constructor(
    private readonly client: Client,
    private readonly component: string,
    private readonly host?: string,
    private readonly limit?: EventRateLimit,
  ) {
    this.tokens = limit?.burst ?? 0;
  }

  /** Records without waiting; a failure to record is not the caller's failure. */
  record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    if (!this.limit) return void this.write(obj, type, reason, message).catch(() => undefined);
    if (this.queued.length >= this.limit.maxQueued) return void this.dropped++;
    this.queued.push([obj, type, reason, message, new Date()]);
    this.pump(this.limit);
  }

  /** Writes what the bucket allows (unless held), and comes back when the next token is due. */
  private pump(limit: EventRateLimit): void {
    const now = Date.now();
    this.tokens = Math.min(limit.burst, this.tokens + ((now - this.refilledAt) / 1000) * limit.qps);
    this.refilledAt = now;
    const oldest = this.queued[0]?.[4].getTime() ?? now;
    const held = limit.hold !== undefined && this.queued.length < limit.maxQueued && now - oldest < limit.hold.atMostMs && limit.hold.while();
    if (!held) for (; this.tokens >= 1 && this.queued.length; this.tokens--) void this.write(...this.queued.shift()!).catch(() => undefined);
    if (this.queued.length && !this.timer) {
      this.timer = setTimeout(
        () => {
          this.timer = undefined;
          this.pump(limit);
        },
        held ? HOLD_POLL_MS : Math.ceil(((1 - this.tokens) * 1000) / limit.qps),
      ).unref();
    }
  }

  /** `now`: when it happened (a rate-limited Event is written later, with its own time). */
  async write(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, now = new Date()): Promise<void> {
    const ts = rfc3339(now);
    const key = `${obj.metadata.uid}|${type}|${reason}|${message}`;
    const prev = this.seen.get(key);
    if (prev && now.getTime() - prev.at < AGGREGATE_MS) {
      prev.count++;
      prev.at = now.getTime();
      try {
        await this.client.patch(R.events, prev.namespace, prev.name, 'merge', { count: prev.count, lastTimestamp: ts });
        return;
      } catch {
        // The Event is gone (namespace deleted, expired): write a new one.
      }
    }
    const namespace = obj.metadata.namespace ?? 'default';
    const name = `${obj.metadata.name}.${eventSuffix(now)}`;
    await this.client.create(R.events, namespace, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        kind: obj.kind,
        apiVersion: obj.apiVersion,
        namespace: obj.metadata.namespace,
        name: obj.metadata.name,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: ts,
      lastTimestamp: ts,
      source: { component: this.component, ...(this.host ? { host: this.host } : {}) },
      reportingComponent: this.component,
      reportingInstance: this.host ?? '',
    });
    this.seen.set(key, { name, namespace, count: 1, first: ts, at: now.getTime() });
    if (this.seen.size > 10_000) this.seen.delete(this.seen.keys().next().value!);
  }
}
