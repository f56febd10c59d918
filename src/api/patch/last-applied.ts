// The bridge from client-side apply (the last-applied-configuration annotation) to server-side
// apply, as the apiserver's lastAppliedManager and lastAppliedUpdater build it: kubectl's
// server-side apply may take over, without a conflict, fields that kubectl's client-side apply
// last set and that still hold those values; and an apply by "kubectl" keeps the annotation
// up to date where it exists.
import type { Schema } from '../../apis/schema/types.js';
import type { FieldSet } from './field-set.js';
import { clone, isObject, type JsonObject } from './json-value.js';
import { compareFields, toFieldSet, TypedValueError } from './typed-fields.js';

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Only kubectl's own managers benefit from the upgrade path. */
export function mayUpgradeFromClientSideApply(manager: string): boolean {
  return manager.startsWith('kubectl');
}

/** Fields of the annotation whose values the live object still holds. */
export function fieldsFromLastApplied(live: JsonObject, schema: Schema): FieldSet | undefined {
  const text = annotations(live)?.[LAST_APPLIED];
  if (typeof text !== 'string' || text === '') return undefined;
  try {
    const last: unknown = JSON.parse(text);
    if (!isObject(last)) return undefined;
    const diff = compareFields(last, live, schema);
    return toFieldSet(last, schema).difference(diff.modified).difference(diff.added).difference(diff.removed);
  } catch (e) {
    if (e instanceof SyntaxError || e instanceof TypedValueError) return undefined;
    throw e;
  }
}

/** After an apply by "kubectl": the annotation, where present, becomes the applied config. */
export function syncLastApplied(obj: JsonObject, config: JsonObject, manager: string): void {
  const current = annotations(obj);
  if (manager !== 'kubectl' || current?.[LAST_APPLIED] === undefined) return;
  const last = clone(config);
  const lastAnnotations = annotations(last);
  if (lastAnnotations) delete lastAnnotations[LAST_APPLIED];
  current[LAST_APPLIED] = `${goJson(last)}\n`;
}

function annotations(obj: JsonObject): JsonObject | undefined {
  const meta = obj.metadata;
  return isObject(meta) && isObject(meta.annotations) ? meta.annotations : undefined;
}

/** JSON as Go encodes a map: keys sorted. */
function goJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`;
  if (isObject(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${goJson(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
