// Writes pod statuses through the status subresource (kubelet's status manager): the latest
// status per pod is kept, written only when it differs from what the API holds, retried with
// back-off; a final status is followed by deleting the pod with grace 0, which is what ends a
// graceful deletion.

import type { Logger } from 'pino';
import type { Pod } from '../apis/core/pods.js';
import { StatusError } from '../util/status-errors.js';
import { R, type Client } from '../client/client.js';
import { WorkQueue } from '../client/workqueue.js';
import type { ApiPodStatus } from './pod-status.js';

interface Wanted {
  namespace: string;
  name: string;
  status: ApiPodStatus;
  final: boolean;
}

/** Equal as JSON values, whatever the key order. */
export function sameJSON(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => sameJSON((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Status writes in flight. Each waits for the store's next group commit (a turn of the API
 *  server's loop): a thousand pods starting at once need many in flight, not a few. */
const STATUS_WORKERS = 16;

const rv = (p: Pick<Pod, 'metadata'> | undefined): number => Number(p?.metadata.resourceVersion ?? 0);

export class StatusWriter {
  private readonly wanted = new Map<string, Wanted>();
  /** What our last write returned (its revision and status, not the whole pod): newer than the
   *  informer's copy until the watch catches up. */
  private readonly written = new Map<string, Pick<Pod, 'metadata' | 'status'>>();
  private readonly queue: WorkQueue;

  constructor(
    private readonly client: Client,
    /** The informer's copy of a pod. */
    private readonly cached: (namespace: string, name: string) => Pod | undefined,
    log: Logger,
  ) {
    this.queue = new WorkQueue((uid) => this.write(uid), {
      workers: STATUS_WORKERS,
      maxRetryMs: 5_000,
      onError: (uid, err) => log.debug({ err, uid }, 'pod status write failed; retrying'),
    });
  }

  set(pod: Pod, status: ApiPodStatus, final: boolean): void {
    const uid = pod.metadata.uid!;
    this.wanted.set(uid, { namespace: pod.metadata.namespace!, name: pod.metadata.name!, status, final });
    this.queue.add(uid);
  }

  /** Writes are queued or in flight. */
  get busy(): boolean {
    return this.queue.busy;
  }

  /** The pod is gone: nothing more to write. */
  forget(uid: string): void {
    this.wanted.delete(uid);
    this.written.delete(uid);
  }

  stop(): void {
    this.queue.stop();
  }

  private async write(uid: string): Promise<void> {
    const w = this.wanted.get(uid);
    if (!w) return;
    const cached = this.cached(w.namespace, w.name);
    const mine = this.written.get(uid);
    const current = rv(mine) > rv(cached) ? mine : cached;
    if (!current || current.metadata.uid !== uid) return;
    if (!sameJSON(current.status, w.status)) {
      try {
        const updated = await this.client.update<Pod>(
          R.pods,
          w.namespace,
          { apiVersion: 'v1', kind: 'Pod', metadata: { name: w.name, namespace: w.namespace, uid, resourceVersion: current.metadata.resourceVersion }, status: w.status },
          { subresource: 'status' },
        );
        this.written.set(uid, { metadata: { uid, resourceVersion: updated.metadata.resourceVersion }, status: updated.status });
      } catch (err) {
        if (err instanceof StatusError && err.code === 404) return this.forget(uid);
        throw err;
      }
    }
    if (w.final && this.wanted.get(uid) === w) {
      try {
        await this.client.delete(R.pods, w.namespace, w.name, { gracePeriodSeconds: 0, preconditions: { uid } });
      } catch (err) {
        if (!(err instanceof StatusError && (err.code === 404 || err.code === 409))) throw err;
      }
      this.forget(uid);
    }
  }
}
