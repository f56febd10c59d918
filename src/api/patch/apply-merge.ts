// The value side of server-side apply: merging an apply configuration into the live object by
// the schema's list and struct types, and pruning what the applier let go of.
import type { ListSchema, Schema } from '../../apis/schema/types.js';
import type { FieldPath, FieldSet } from './field-set.js';
import { clone, isObject, type JsonObject } from './json-value.js';
import { child, itemSchema } from './schema-nav.js';
import { itemElement, TypedValueError } from './typed-fields.js';

/**
 * The configuration wins wherever it says something: structs and maps merge key by key (null
 * removes), lists of type map and set merge item by item, anything atomic is replaced whole.
 */
export function mergeApplied(live: unknown, config: unknown, schema: Schema | undefined): unknown {
  const granularMap = (schema?.type === 'object' && !schema.atomic) || schema?.type === 'map';
  if (granularMap && isObject(config)) {
    const out: JsonObject = isObject(live) ? { ...live } : {};
    for (const [k, v] of Object.entries(config)) {
      if (v === null) delete out[k];
      else out[k] = mergeApplied(out[k], v, child(schema, k).schema);
    }
    return out;
  }
  if (schema?.type === 'list' && schema.listType !== 'atomic' && Array.isArray(config)) {
    return mergeList(Array.isArray(live) ? live : [], config, schema);
  }
  return clone(config);
}

/**
 * Items keep the configuration's order; live items the configuration does not mention stay
 * where they were relative to the items around them (structured-merge-diff's merge order).
 */
function mergeList(live: unknown[], config: unknown[], list: ListSchema): unknown[] {
  const item = itemSchema(list);
  const liveKeys = live.map((x, i) => keyOf(list, x) ?? `#${i}`);
  const configKeys = config.map((x) => itemElement(list, x));
  const inConfig = new Set(configKeys);
  const liveByKey = new Map<string, unknown>();
  live.forEach((x, i) => liveByKey.has(liveKeys[i]) || liveByKey.set(liveKeys[i], x));
  const shared = configKeys.filter((k) => liveByKey.has(k));

  const out: unknown[] = [];
  const emitted = new Set<string>();
  const emit = (j: number): void => {
    const k = configKeys[j];
    out.push(list.listType === 'set' ? clone(config[j]) : mergeApplied(liveByKey.get(k), config[j], item));
    emitted.add(k);
  };
  let next = 0; // the next shared item expected, in configuration order
  let i = 0;
  let j = 0;
  while (i < live.length || j < config.length) {
    if (i < live.length && j < config.length) {
      const k = liveKeys[i];
      if (k === configKeys[j]) {
        emit(j);
        i++;
        j++;
        next++;
        continue;
      }
      // A shared item that comes later in the configuration: it is emitted in that order.
      if (inConfig.has(k) && next < shared.length && shared[next] !== k) {
        i++;
        continue;
      }
    }
    if (i < live.length) {
      const k = liveKeys[i];
      if (!inConfig.has(k)) {
        out.push(live[i++]);
        continue;
      }
      if (emitted.has(k)) {
        i++;
        continue;
      }
    }
    if (j < config.length) {
      if (shared[next] === configKeys[j]) next++;
      emit(j++);
      continue;
    }
    i++;
  }
  return out;
}

/**
 * Removes, in place, the fields the applier owned before (`last`) that nobody holds any more:
 * for each such path, the shortest prefix that `kept` (the new configuration and the other
 * managers' fields) has nothing at or below goes, with everything under it.
 */
export function prune(obj: JsonObject, schema: Schema, last: FieldSet, kept: FieldSet): void {
  for (const path of last.paths()) {
    const n = path.findIndex((_, i) => !kept.covers(path.slice(0, i + 1)));
    if (n >= 0) removePath(obj, schema, path.slice(0, n + 1));
  }
}

function removePath(value: unknown, schema: Schema | undefined, path: FieldPath): void {
  const [pe, ...rest] = path;
  if (pe.startsWith('f:')) {
    if (!isObject(value)) return;
    const k = pe.slice(2);
    if (rest.length === 0) delete value[k];
    else removePath(value[k], child(schema, k).schema, rest);
    return;
  }
  if (!Array.isArray(value) || schema?.type !== 'list') return;
  const i = value.findIndex((x) => keyOf(schema, x) === pe);
  if (i < 0) return;
  if (rest.length === 0) value.splice(i, 1);
  else removePath(value[i], itemSchema(schema), rest);
}

/** A live item's element, or undefined for an item that cannot have one (kept as it is). */
function keyOf(list: ListSchema, x: unknown): string | undefined {
  try {
    return itemElement(list, x);
  } catch (e) {
    if (e instanceof TypedValueError) return undefined;
    throw e;
  }
}
