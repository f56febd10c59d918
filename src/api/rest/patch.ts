// Chooses the patch algorithm from the request's content type.

import type { KubeObject } from '../../apis/types.js';
import type { Resource } from '../registry.js';
import { applyJsonPatch } from '../patch/json-patch.js';
import { applyMergePatch } from '../patch/merge-patch.js';
import { applyStrategicMergePatch } from '../patch/strategic-merge-patch.js';
import { serverSideApply } from '../patch/server-side-apply.js';
import { errors } from '../../util/status-errors.js';
import { clone } from './codec.js';
import { rfc3339 } from '../../util/time.js';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

const CONTENT_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+cbor': 'apply',
};

export function patchTypeOf(contentType: string | undefined): PatchType | undefined {
  return CONTENT_TYPES[(contentType ?? '').split(';')[0].trim().toLowerCase()];
}

/** The patched object (for apply, with its managed fields updated). `current` is undefined
 *  only for an apply that creates. */
export function applyPatch(
  r: Resource,
  current: KubeObject | undefined,
  type: PatchType,
  body: unknown,
  manager: string,
  force: boolean,
  now: Date,
): KubeObject {
  if (type === 'apply') {
    if (!isObject(body)) throw errors.badRequest('error decoding YAML: the apply patch must be an object');
    return serverSideApply({
      live: current,
      applied: body,
      manager,
      force,
      schema: r.schema,
      apiVersion: r.apiVersion,
      now: rfc3339(now),
    }) as KubeObject;
  }
  const live = clone(current!);
  switch (type) {
    case 'json':
      return applyJsonPatch(live, body) as KubeObject;
    case 'merge':
      if (!isObject(body)) throw errors.badRequest('the merge patch must be a JSON object');
      return applyMergePatch(live, body) as KubeObject;
    case 'strategic':
      if (!isObject(body)) throw errors.badRequest('the strategic merge patch must be a JSON object');
      return applyStrategicMergePatch(live, body, r.schema) as KubeObject;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
