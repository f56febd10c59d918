// Small constructors that keep the type descriptions in core.ts, apps.ts, ... close to the Go
// structs they mirror: one line per field, `f(number, type)` for value fields and
// `ptr(number, type)` for pointer fields.

import type { FieldSchema, ListSchema, MapSchema, ObjectSchema, ScalarSchema, Schema } from './types.js';

export const str: ScalarSchema = { type: 'string' };
export const int32: ScalarSchema = { type: 'int32' };
export const int64: ScalarSchema = { type: 'int64' };
export const bool: ScalarSchema = { type: 'boolean' };
export const intOrString: ScalarSchema = { type: 'int-or-string' };
export const quantity: ScalarSchema = { type: 'quantity' };
export const time: ScalarSchema = { type: 'time' };
export const microTime: ScalarSchema = { type: 'micro-time' };
export const bytes: ScalarSchema = { type: 'bytes' };
/** RawExtension/FieldsV1, or a rarely used subtree accepted without being described. */
export const any: ScalarSchema = { type: 'any' };

/** A value field. */
export function f(proto: number, schema: Schema | (() => Schema), extra: Partial<FieldSchema> = {}): FieldSchema {
  return { schema, proto, ...extra };
}

/** A pointer field: a zero on the wire is kept. */
export function ptr(proto: number, schema: Schema | (() => Schema)): FieldSchema {
  return { schema, proto, pointer: true };
}

/** An embedded struct, inlined in JSON. */
export function inline(proto: number, schema: ObjectSchema): FieldSchema {
  return { schema, proto, inline: true };
}

export function mapOf(values: Schema): MapSchema {
  return { type: 'map', values };
}

/** `+listType=atomic` (also the default of untagged lists). */
export function atomicList(items: Schema, patch: Pick<ListSchema, 'patchStrategy' | 'patchMergeKey'> = {}): ListSchema {
  return { type: 'list', items, listType: 'atomic', ...patch };
}

/** `+listType=set`; `merge` adds `patchStrategy=merge` (e.g. finalizers). */
export function setList(items: Schema, merge = false): ListSchema {
  return { type: 'list', items, listType: 'set', ...(merge ? { patchStrategy: 'merge' as const } : {}) };
}

/** `+listType=map` with its `+listMapKey`s; `mergeKey` adds `patchStrategy=merge` and
 *  `patchMergeKey` (strategy `merge,retainKeys` where Go says so). */
export function mapList(
  items: Schema,
  keys: string[],
  mergeKey?: string,
  strategy: 'merge' | 'merge,retainKeys' = 'merge',
): ListSchema {
  const list: ListSchema = { type: 'list', items, listType: 'map', mapKeys: keys };
  if (mergeKey) {
    list.patchStrategy = strategy;
    list.patchMergeKey = mergeKey;
  }
  return list;
}

/** Returns a constructor of the Go structs of one package. */
export function inPackage(pkg: string) {
  return (name: string, fields: Record<string, FieldSchema>, atomic = false): ObjectSchema => ({
    type: 'object',
    name,
    pkg,
    fields,
    ...(atomic ? { atomic: true } : {}),
  });
}
