// Strategic merge patch (application/strategic-merge-patch+json), with the semantics of
// k8s.io/apimachinery/pkg/util/strategicpatch as the apiserver runs it (MergeParallelList and
// IgnoreUnmatchedNulls): maps merge, null deletes, lists whose field has patchStrategy merge
// merge by patchMergeKey (or by value for scalars), other lists replace, and the directives
// `$patch`, `$retainKeys`, `$setElementOrder/<list>` and `$deleteFromPrimitiveList/<list>`.
// A key the schema does not describe merges as in a JSON merge patch.
import type { ObjectSchema, Schema } from '../../apis/schema/types.js';
import { badPatch, unprocessablePatch } from './patch-errors.js';
import { clone, goFormat, isObject, requireObject, type JsonObject } from './json-value.js';
import { child, itemSchema, type Child } from './schema-nav.js';

const PATCH = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder/';
const DELETE_FROM_PRIMITIVE = '$deleteFromPrimitiveList/';

export function applyStrategicMergePatch(obj: object, patch: unknown, schema: ObjectSchema): JsonObject {
  // Both are cloned once, so everything below may edit them in place.
  return mergeMap(clone(obj) as JsonObject, clone(requireObject(patch)), schema);
}

function mergeMap(original: JsonObject | undefined, patch: JsonObject, schema: Schema | undefined): JsonObject {
  if (PATCH in patch) {
    const { [PATCH]: directive, ...rest } = patch;
    if (directive === 'delete') return {};
    if (directive === 'replace') return mergeMap(undefined, rest, schema);
    // `merge` is what happens anyway.
    if (directive !== 'merge') throw badPatch(`unknown patch type: ${goFormat(directive)} in map: ${goFormat(patch)}`);
    patch = rest;
  }
  const out = original ?? {};
  retainKeys(out, patch);

  // The live order of each list is taken before any merge changes it.
  const orders = new Map<string, { order: unknown[]; live: unknown }>();
  for (const [k, v] of Object.entries(patch)) {
    if (!k.startsWith(SET_ORDER)) continue;
    if (!Array.isArray(v)) throw badPatch('invalid patch format of setElementOrder list');
    const name = k.slice(SET_ORDER.length);
    orders.set(name, { order: v, live: out[name] });
  }
  const deletions: [string, unknown][] = [];
  for (const [k, v] of Object.entries(patch)) {
    if (k === RETAIN_KEYS || k.startsWith(SET_ORDER)) continue;
    if (k.startsWith(DELETE_FROM_PRIMITIVE)) {
      deletions.push([k.slice(DELETE_FROM_PRIMITIVE.length), v]);
    } else if (v === null) {
      delete out[k];
    } else {
      out[k] = mergeValue(out[k], v, child(schema, k));
    }
  }
  for (const [k, values] of deletions) {
    if (!Array.isArray(values)) throw badPatch('invalid patch format of primitive list');
    const list = out[k];
    if (Array.isArray(list)) out[k] = list.filter((x) => !values.includes(x));
  }
  for (const [k, { order, live }] of orders) {
    const list = out[k];
    if (!Array.isArray(list)) continue;
    const s = child(schema, k).schema;
    const key = keyFn(s?.type === 'list' ? s.patchMergeKey : undefined, list);
    out[k] = normalizeOrder(list, order, Array.isArray(live) ? live : [], key);
  }
  return out;
}

/** `$retainKeys`: keys of the original that are not listed go (used with `type` unions such as
 *  DeploymentStrategy, so that switching to Recreate drops rollingUpdate). */
function retainKeys(out: JsonObject, patch: JsonObject): void {
  const keep = patch[RETAIN_KEYS];
  if (keep === undefined) return;
  if (!Array.isArray(keep) || !keep.every((k) => typeof k === 'string')) {
    throw badPatch('invalid patch format of retainKeys');
  }
  for (const [k, v] of Object.entries(patch)) {
    const directive = k === RETAIN_KEYS || k.startsWith(SET_ORDER) || k.startsWith(DELETE_FROM_PRIMITIVE);
    if (v !== null && !directive && !keep.includes(k)) {
      throw unprocessablePatch("patch content doesn't match retainKeys list");
    }
  }
  for (const k of Object.keys(out)) if (!keep.includes(k)) delete out[k];
}

function mergeValue(original: unknown, patch: unknown, c: Child): unknown {
  if (isObject(original) && isObject(patch)) {
    return mergeMap(c.field?.patchStrategy === 'replace' ? undefined : original, patch, c.schema);
  }
  if (Array.isArray(original) && Array.isArray(patch)) return mergeList(original, patch, c);
  // A new value (or one of another type) still goes through the merge, so that directives in
  // it are resolved rather than stored.
  if (isObject(patch)) return mergeMap(undefined, patch, c.schema);
  if (Array.isArray(patch)) return mergeList([], patch, c);
  return patch;
}

function mergeList(original: unknown[], patch: unknown[], c: Child): unknown[] {
  const list = c.schema?.type === 'list' ? c.schema : undefined;
  const strategy = c.field?.patchStrategy ?? list?.patchStrategy;
  if (!strategy?.includes('merge')) return patch;
  if ([...original, ...patch].some(Array.isArray)) throw unprocessablePatch('lists of lists are not supported');

  const maps = [...original, ...patch].filter(isObject).length;
  if (maps === 0) {
    const merged = [...new Set([...original, ...patch])];
    return normalizeOrder(merged, patch, original, (x) => x);
  }
  if (maps !== original.length + patch.length) {
    throw badPatch(`list element types are not identical: ${goFormat(original)} ${goFormat(patch)}`);
  }
  const mergeKey = list?.patchMergeKey;
  if (!mergeKey) throw badPatch(`cannot merge lists without merge key for ${goFormat(patch)}`);
  return mergeMapList(original as JsonObject[], patch as JsonObject[], mergeKey, itemSchema(list));
}

function mergeMapList(original: JsonObject[], patch: JsonObject[], mergeKey: string, item: Schema | undefined): JsonObject[] {
  const requireKey = (el: JsonObject): unknown => {
    if (!(mergeKey in el)) throw badPatch(`map: ${goFormat(el)} does not contain declared merge key: ${mergeKey}`);
    return el[mergeKey];
  };
  let base = original;
  const elements: JsonObject[] = [];
  let replace = false;
  for (const el of patch) {
    const directive = el[PATCH];
    if (directive === undefined) {
      elements.push(el);
    } else if (directive === 'delete') {
      const value = requireKey(el);
      base = base.filter((x) => x[mergeKey] !== value);
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      // The default; an element carrying only the directive says nothing else.
      const { [PATCH]: _, ...rest } = el;
      if (Object.keys(rest).length > 0) elements.push(rest);
    } else {
      throw badPatch(`unknown patch type: ${goFormat(directive)} in map: ${goFormat(el)}`);
    }
  }
  if (replace) return elements.map((el) => mergeMap(undefined, el, item));

  const merged = [...base];
  for (const el of elements) {
    const value = requireKey(el);
    const i = merged.findIndex((x) => x[mergeKey] === value);
    if (i >= 0) merged[i] = mergeMap(merged[i], el, item);
    else merged.push(mergeMap(undefined, el, item));
  }
  return normalizeOrder(merged, elements, base, (x) => (x as JsonObject)[mergeKey]);
}

type KeyFn = (x: unknown) => unknown;

function keyFn(mergeKey: string | undefined, list: unknown[]): KeyFn {
  return mergeKey && list.some(isObject) ? (x) => (isObject(x) ? x[mergeKey] : undefined) : (x) => x;
}

/**
 * The order rule of strategicpatch (normalizeElementOrder): items named in `patchOrder` come
 * in that order; the others keep their order in the live list; the two sequences are then
 * interleaved so that a live-only item stays before a patched item it preceded in the live list.
 */
function normalizeOrder<T>(merged: T[], patchOrder: unknown[], liveOrder: unknown[], key: KeyFn): T[] {
  const indexIn = (list: unknown[], x: unknown): number => {
    const k = key(x);
    return list.findIndex((y) => key(y) === k);
  };
  const rank = (list: unknown[]) => (x: unknown) => {
    const i = indexIn(list, x);
    return i < 0 ? Infinity : i;
  };
  const byRank = (r: (x: unknown) => number) => (a: T, b: T) => r(a) - r(b) || 0;
  const patched = merged.filter((x) => indexIn(patchOrder, x) >= 0).sort(byRank(rank(patchOrder)));
  const liveOnly = merged.filter((x) => indexIn(patchOrder, x) < 0).sort(byRank(rank(liveOrder)));

  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < liveOnly.length || j < patched.length) {
    if (j >= patched.length) out.push(liveOnly[i++]);
    else if (i >= liveOnly.length) out.push(patched[j++]);
    else {
      const l = indexIn(liveOrder, liveOnly[i]);
      const p = indexIn(liveOrder, patched[j]);
      out.push(l >= 0 && p >= 0 && l < p ? liveOnly[i++] : patched[j++]);
    }
  }
  return out;
}
