// `kubectl get cs`, backed by real checks: etcd-0 is the store answering a read; the scheduler
// and the controller-manager are healthy when some server holds their leader lease
// (kube-system/kube-controller-manager, renewed within its duration), wherever that server runs.

import type { KubeObject } from '../apis/types.js';

export const LEADER_LEASE = { namespace: 'kube-system', name: 'kube-controller-manager' };

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  renewTime?: string;
}

export interface ComponentProbes {
  /** Resolves when the store answers; rejects with why not. */
  store(): Promise<void>;
  /** The leader lease's spec; undefined when there is none. */
  leaderLease(): Promise<LeaseSpec | undefined>;
  now(): number;
}

type Health = { healthy: true; message: string } | { healthy: false; error: string };

/** Whether someone leads, from the lease (pure). */
export function leaderHealth(lease: LeaseSpec | undefined, now: number): Health {
  const where = `lease ${LEADER_LEASE.namespace}/${LEADER_LEASE.name}`;
  if (!lease?.holderIdentity) return { healthy: false, error: `no leader elected: ${where} is not held` };
  const expires = Date.parse(lease.renewTime ?? '') + (lease.leaseDurationSeconds ?? 0) * 1000;
  if (!(expires > now)) return { healthy: false, error: `no leader elected: ${where} held by ${lease.holderIdentity} expired ${Math.round((now - expires) / 1000)}s ago` };
  return { healthy: true, message: 'ok' };
}

function status(name: string, h: Health): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ComponentStatus',
    metadata: { name },
    conditions: [h.healthy ? { type: 'Healthy', status: 'True', message: h.message } : { type: 'Healthy', status: 'False', error: h.error }],
  };
}

export async function componentStatuses(p: ComponentProbes): Promise<KubeObject[]> {
  const [store, lease] = await Promise.all([
    p.store().then(
      (): Health => ({ healthy: true, message: '{"health":"true","reason":""}' }),
      (e: unknown): Health => ({ healthy: false, error: e instanceof Error ? e.message : String(e) }),
    ),
    p.leaderLease().then(
      (l) => leaderHealth(l, p.now()),
      (e: unknown): Health => ({ healthy: false, error: `cannot read the leader lease: ${e instanceof Error ? e.message : String(e)}` }),
    ),
  ]);
  return [status('scheduler', lease), status('controller-manager', lease), status('etcd-0', store)];
}
