// Writes a slice plan through the client, recording each write in the controller's slice
// cache so that its next sync sees it before the watch does.

import type { EndpointSlice } from '../../apis/discovery/endpointslices.js';
import { R, type Client } from '../../client/client.js';
import { isNotFound } from './api-errors.js';
import type { SlicePlan } from './plan.js';
import type { SliceCache } from './slice-cache.js';

export async function applySlicePlan(client: Client, cache: SliceCache, namespace: string, plan: SlicePlan): Promise<void> {
  for (const s of plan.create) cache.wrote(await client.create<EndpointSlice>(R.endpointSlices, namespace, s));
  for (const s of plan.update) cache.wrote(await client.update<EndpointSlice>(R.endpointSlices, namespace, s));
  for (const s of plan.delete) {
    try {
      await client.delete(R.endpointSlices, namespace, s.metadata.name!, { preconditions: { uid: s.metadata.uid } });
      cache.removed(s);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
