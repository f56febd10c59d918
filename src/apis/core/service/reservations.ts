// Every allocated ClusterIP and NodePort is a key in the store (like Kubernetes' IPAddress
// objects), valued with its owner. The store's create-if-absent is the lock: two API servers, or
// two concurrent requests, can never both create the key, and a crash loses nothing that
// repair (repair.ts) cannot rebuild from the stored Services.

import { StoreError, type KeyValue, type Store } from '../../../store/store.js';
import { canonicalIP } from '../../../util/cidr.js';

export const IP_ADDRESS_PREFIX = '/registry/tinykube/ipaddresses/';
export const NODE_PORT_PREFIX = '/registry/tinykube/nodeports/';

/** Keyed by the address's canonical text, so that `fd00::a` and `fd00:0::0a` are one key. */
export const ipKey = (ip: string): string => IP_ADDRESS_PREFIX + (canonicalIP(ip) ?? ip);
export const nodePortKey = (port: number): string => NODE_PORT_PREFIX + port;

/** The service a reservation belongs to. The uid tells a re-created service from its namesake. */
export interface Owner {
  namespace: string;
  name: string;
  uid?: string;
}

export interface Reservation extends Owner {
  /** When it was made (RFC 3339); repair leaves young reservations alone (writes in flight). */
  since: string;
}

export function sameOwner(a: Owner, b: Owner): boolean {
  return a.namespace === b.namespace && a.name === b.name && (!a.uid || !b.uid || a.uid === b.uid);
}

export function parseReservation(kv: KeyValue): Reservation | undefined {
  try {
    const r = JSON.parse(kv.value) as Reservation;
    return typeof r.namespace === 'string' && typeof r.name === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}

export const reservationValue = (owner: Owner, now: Date): string =>
  JSON.stringify({ namespace: owner.namespace, name: owner.name, ...(owner.uid ? { uid: owner.uid } : {}), since: now.toISOString() });

/** `created`: ours now; `held`: it already was ours; `taken`: someone else's. */
export type ClaimResult = 'created' | 'held' | 'taken';

export async function claim(store: Store, key: string, owner: Owner, now: Date): Promise<ClaimResult> {
  try {
    await store.create(key, reservationValue(owner, now));
    return 'created';
  } catch (e) {
    if (!(e instanceof StoreError && e.code === 'exists')) throw e;
    const current = e.current ?? (await store.get(key));
    const r = current && parseReservation(current);
    return r && sameOwner(r, owner) ? 'held' : 'taken';
  }
}

/** What claim would answer, without writing (dryRun). */
export async function peek(store: Store, key: string, owner: Owner): Promise<ClaimResult> {
  const current = await store.get(key);
  if (!current) return 'created';
  const r = parseReservation(current);
  return r && sameOwner(r, owner) ? 'held' : 'taken';
}

/** Deletes the reservation if `owner` holds it; true when it did. */
export async function release(store: Store, key: string, owner: Owner): Promise<boolean> {
  const current = await store.get(key);
  const r = current && parseReservation(current);
  if (!current || !r || !sameOwner(r, owner)) return false;
  try {
    await store.delete(key, current.modRevision);
    return true;
  } catch (e) {
    // Gone or re-taken meanwhile: either way it is no longer ours to release.
    if (e instanceof StoreError && (e.code === 'not-found' || e.code === 'conflict')) return false;
    throw e;
  }
}
