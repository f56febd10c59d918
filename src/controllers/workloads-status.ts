// Status writes of the workload controllers. A status computed from a cache often races with
// another write to the same object (a scale, our own previous status): on a conflict, re-read
// once and write again — unless the spec moved on meanwhile, whose own event brings a new sync
// (so observedGeneration never claims a spec that was not looked at).

import type { KubeObject } from '../apis/types.js';
import type { Client, ResourceId } from '../client/client.js';
import { isConflict, isNotFound } from './controller-ref.js';

export async function writeStatus<T extends KubeObject>(client: Client, r: ResourceId, obj: T, status: unknown): Promise<T | undefined> {
  const write = (o: T): Promise<T> => client.update<T>(r, o.metadata.namespace, { ...o, status }, { subresource: 'status' });
  try {
    return await write(obj);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    if (!isConflict(e)) throw e;
  }
  const fresh = await client.get<T>(r, obj.metadata.namespace, obj.metadata.name!);
  if (fresh.metadata.uid !== obj.metadata.uid || fresh.metadata.generation !== obj.metadata.generation) return undefined;
  return write(fresh);
}

/** The status as the API serves it: counters that are 0 are left out (Go's omitempty). */
export function omitZero<T extends object>(status: T, keys: (keyof T)[]): T {
  const out = { ...status };
  for (const k of keys) if (out[k] === (0 as T[keyof T])) delete out[k];
  return out;
}
