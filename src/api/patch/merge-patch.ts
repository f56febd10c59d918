// RFC 7386 JSON merge patch (application/merge-patch+json): objects merge key by key, null
// deletes, everything else (arrays included) replaces.
import { clone, isObject, requireObject, type JsonObject } from './json-value.js';

export function applyMergePatch(obj: object, patch: unknown): JsonObject {
  return merge(clone(obj), requireObject(patch)) as JsonObject;
}

function merge(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = merge(out[k], v);
  }
  return out;
}
