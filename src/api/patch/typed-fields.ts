// An object seen through its schema as structured-merge-diff sees it: which field paths it sets
// (ToFieldSet) and which of them differ between two versions (Compare). Scalars, atomic structs
// and lists, nulls, empty maps and undescribed keys are leaves; items of lists of type map and
// entries of maps are members that also have members below; plain struct fields are not.
// Compare also reports maps and lists that appear or disappear whole (as the apiserver's field
// manager does for Go's nil maps and slices), so an Update owns `f:labels: {".": {}}`.
import { resolve, type ListSchema, type Schema } from '../../apis/schema/types.js';
import { FieldSet, pathString, type FieldPath, type PathElement } from './field-set.js';
import { deepEqual, isObject, type JsonObject } from './json-value.js';
import { child, itemSchema } from './schema-nav.js';

/** The object does not fit its schema (a list item without its keys, duplicate keys). */
export class TypedValueError extends Error {}

/** `member` has members below it; a `container` is a map or list that is not a member. */
type Kind = 'leaf' | 'member' | 'container';
type Visit = (path: FieldPath, value: unknown, kind: Kind) => void;

/** The element naming `item` in a list of type map or set. */
export function itemElement(list: ListSchema, item: unknown): PathElement {
  if (list.listType === 'set') return `v:${JSON.stringify(item)}`;
  if (!isObject(item)) throw new TypedValueError('associative list with keys may not have non-map elements');
  const names = list.mapKeys ?? (list.patchMergeKey ? [list.patchMergeKey] : []);
  const key: JsonObject = {};
  for (const name of [...names].sort()) {
    const value = item[name] ?? child(itemSchema(list), name).field?.default;
    if (value === undefined || value === null) {
      throw new TypedValueError(
        `associative list with keys has an element that omits key field ${JSON.stringify(name)} (and doesn't have default value)`,
      );
    }
    key[name] = value;
  }
  return `k:${JSON.stringify(key)}`;
}

/** Every member path of `obj`. `unique` rejects duplicate list keys, as apply configurations must. */
export function toFieldSet(obj: JsonObject, schema: Schema, unique = false): FieldSet {
  const paths: FieldPath[] = [];
  walk(obj, schema, [], (p, _, kind) => kind !== 'container' && paths.push(p), unique);
  return new FieldSet(paths);
}

export interface Comparison {
  added: FieldSet;
  removed: FieldSet;
  modified: FieldSet;
}

export function compareFields(before: JsonObject, after: JsonObject, schema: Schema): Comparison {
  // A top-level field equal on both sides has no path in any of the three sets: leave it out of
  // the walk (a status write would otherwise walk the whole spec twice).
  before = { ...before };
  after = { ...after };
  for (const k of Object.keys(after)) {
    if (k in before && deepEqual(before[k], after[k])) {
      delete before[k];
      delete after[k];
    }
  }
  const collect = (obj: JsonObject) => {
    const m = new Map<string, { value: unknown; kind: Kind }>();
    walk(obj, schema, [], (path, value, kind) => m.set(JSON.stringify(path), { value, kind }), false);
    return m;
  };
  const old = collect(before);
  const now = collect(after);
  const only = (a: typeof old, b: typeof old) => FieldSet.ofKeys([...a.keys()].filter((k) => !b.has(k)));
  const modified: string[] = [];
  for (const [k, n] of now) {
    const o = old.get(k);
    const leaf = o?.kind === 'leaf' || n.kind === 'leaf';
    if (o && leaf && (o.kind !== n.kind || !deepEqual(o.value, n.value))) modified.push(k);
  }
  return { added: only(now, old), removed: only(old, now), modified: FieldSet.ofKeys(modified) };
}

function walk(value: unknown, schema: Schema | undefined, path: FieldPath, visit: Visit, unique: boolean): void {
  if (schema?.type === 'object' && isObject(value)) {
    for (const [k, v] of Object.entries(value)) visitChild([...path, `f:${k}`], v, child(schema, k).schema, false, visit, unique);
  } else if (schema?.type === 'map' && isObject(value)) {
    const values = resolve(schema.values);
    for (const [k, v] of Object.entries(value)) visitChild([...path, `f:${k}`], v, values, true, visit, unique);
  } else if (schema?.type === 'list' && Array.isArray(value)) {
    const seen = new Set<PathElement>();
    const items = itemSchema(schema);
    value.forEach((item, i) => {
      let pe: PathElement;
      try {
        pe = itemElement(schema, item);
      } catch (e) {
        throw e instanceof TypedValueError ? new TypedValueError(`${pathString(path)}: element ${i}: ${e.message}`) : e;
      }
      if (unique && seen.has(pe)) throw new TypedValueError(`${pathString(path)}: duplicate entries for key ${pathString([pe])}`);
      seen.add(pe);
      if (schema.listType === 'set') visit([...path, pe], item, 'leaf');
      else visitChild([...path, pe], item, items, true, visit, unique);
    });
  }
}

/** `member`: list items and map entries are members even when they have members below. */
function visitChild(path: FieldPath, v: unknown, schema: Schema | undefined, member: boolean, visit: Visit, unique: boolean): void {
  if (v === null || isLeaf(schema, v) || (isObject(v) && Object.keys(v).length === 0)) {
    visit(path, v, 'leaf');
    return;
  }
  if (member) visit(path, v, 'member');
  else if (schema?.type !== 'object') visit(path, v, 'container');
  walk(v, schema, path, visit, unique);
}

function isLeaf(schema: Schema | undefined, v: unknown): boolean {
  switch (schema?.type) {
    case 'object':
      return schema.atomic === true || !isObject(v);
    case 'map':
      return !isObject(v);
    case 'list':
      return schema.listType === 'atomic' || !Array.isArray(v);
    default:
      return true;
  }
}
