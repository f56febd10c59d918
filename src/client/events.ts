// Events about objects (what `kubectl describe` and `kubectl get events` show), recorded the
// way client-go's recorder does: the same reason and message about the same object within a
// short window raise `count` on one Event instead of adding another.

import type { KubeObject } from '../apis/types.js';
import { rfc3339 } from '../util/time.js';
import { R, type Client } from './client.js';

/** Repeats within this window update the existing Event. */
const AGGREGATE_MS = 10 * 60_000;

interface Seen {
  name: string;
  namespace: string;
  count: number;
  first: string;
  at: number;
}

export class EventRecorder {
  private readonly seen = new Map<string, Seen>();

  constructor(private readonly client: Client, private readonly component: string, private readonly host?: string) {}

  /** Records without waiting; a failure to record is not the caller's failure. */
  record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    void this.write(obj, type, reason, message).catch(() => undefined);
  }

  async write(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const now = new Date();
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
    const name = `${obj.metadata.name}.${now.getTime().toString(16)}${Math.floor(Math.random() * 0xfff).toString(16)}`;
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
