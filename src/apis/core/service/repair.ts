// The repair loop for ClusterIP and NodePort reservations (like Kubernetes' ipallocator and
// portallocator repair controllers): the stored Services are the truth. Run at start and
// periodically; safe to run on several API servers at once (every write is compare-and-swap).

import { StoreError, type Store } from '../../../store/store.js';
import { heldKeys } from './allocator.js';
import {
  IP_ADDRESS_PREFIX,
  NODE_PORT_PREFIX,
  parseReservation,
  reservationValue,
  sameOwner,
  type Owner,
} from './reservations.js';
import type { Service } from './types.js';

/** Where Services are stored (as Kubernetes lays out etcd). */
export const SERVICES_PREFIX = '/registry/services/specs/';

/** A reservation younger than this may belong to a write still in flight (reserved, not yet
 *  stored), so it is never released as a leak. */
const DEFAULT_GRACE_MS = 60_000;

export interface RepairOptions {
  now?: Date;
  graceMs?: number;
}

export async function repairAllocations(
  store: Store,
  opts: RepairOptions = {},
): Promise<{ released: number; restored: number }> {
  const now = opts.now ?? new Date();
  const graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;

  // Which service uses which key, as of one revision.
  const users = new Map<string, Owner[]>();
  for (const kv of (await store.list(SERVICES_PREFIX)).items) {
    const svc = JSON.parse(kv.value) as Service;
    const owner: Owner = { namespace: svc.metadata.namespace ?? '', name: svc.metadata.name ?? '', uid: svc.metadata.uid };
    for (const key of heldKeys(svc.spec ?? {})) users.set(key, [...(users.get(key) ?? []), owner]);
  }

  let released = 0;
  let restored = 0;
  const reserved = new Set<string>();
  for (const prefix of [IP_ADDRESS_PREFIX, NODE_PORT_PREFIX]) {
    for (const kv of (await store.list(prefix)).items) {
      reserved.add(kv.key);
      const r = parseReservation(kv);
      const using = users.get(kv.key) ?? [];
      if (r && using.some((u) => sameOwner(u, r))) continue;
      if (r && now.getTime() - Date.parse(r.since) < graceMs) continue;
      if (using.length > 0) {
        // Held in the name of a service that no longer uses it: hand it to the one that does.
        if (await swap(() => store.update(kv.key, reservationValue(using[0], now), kv.modRevision))) restored++;
      } else if (await swap(() => store.delete(kv.key, kv.modRevision))) released++;
    }
  }

  for (const [key, [owner]] of users) {
    if (reserved.has(key)) continue;
    try {
      await store.create(key, reservationValue(owner, now));
      restored++;
    } catch (e) {
      // Reserved meanwhile by a write in flight: that write owns it now.
      if (!(e instanceof StoreError && e.code === 'exists')) throw e;
    }
  }
  return { released, restored };
}

/** A compare-and-swap on a reservation as listed; false when it changed meanwhile. */
async function swap(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (e) {
    if (e instanceof StoreError && (e.code === 'conflict' || e.code === 'not-found')) return false;
    throw e;
  }
}
