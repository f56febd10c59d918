// Records who changed which fields (metadata.managedFields, operation Update) on every
// non-apply write, so that a later server-side apply sees conflicts with them.

import type { KubeObject } from '../../apis/types.js';
import type { Resource } from '../registry.js';
import { updateManagedFields } from '../patch/managed-fields.js';
import { rfc3339 } from '../../util/time.js';

export function recordManager(
  r: Resource,
  old: KubeObject | undefined,
  obj: KubeObject,
  manager: string | undefined,
  now: Date,
  subresource?: string,
): KubeObject {
  if (!manager) return obj;
  return updateManagedFields({
    live: old,
    updated: obj,
    manager,
    schema: r.schema,
    apiVersion: r.apiVersion,
    now: rfc3339(now),
    subresource,
  }) as KubeObject;
}
