// metadata.managedFields: which manager owns which fields, and how non-apply writes (create,
// update, patch) change it, as the apiserver's field manager does. A manager is identified by
// name, operation, subresource and, for Update only, apiVersion (appliers keep one identity
// across versions); entries with one identity are merged into one.
import type { ManagedFieldsEntry } from '../../apis/types.js';
import type { ObjectSchema } from '../../apis/schema/types.js';
import { FieldSet } from './field-set.js';
import { isObject, type JsonObject } from './json-value.js';
import { compareFields, TypedValueError } from './typed-fields.js';

export interface Manager {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  subresource?: string;
  fields: FieldSet;
}

/** Fields nobody owns: identity and bookkeeping the server sets (the apiserver's stripMeta). */
export const UNOWNED = new FieldSet([
  ['f:apiVersion'],
  ['f:kind'],
  ['f:metadata'],
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'].map(
    (f) => ['f:metadata', `f:${f}`],
  ),
]);

export function managerId(m: Pick<Manager, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify([m.manager, m.operation, m.operation === 'Update' ? m.apiVersion : '', m.subresource ?? '']);
}

/** Undefined when the entries are not valid managedFields. */
export function decodeManagedFields(entries: unknown): Manager[] | undefined {
  if (entries === undefined || entries === null) return [];
  if (!Array.isArray(entries)) return undefined;
  const byId = new Map<string, Manager>();
  for (const e of entries as unknown[]) {
    if (!isObject(e) || (e.operation !== 'Apply' && e.operation !== 'Update') || e.fieldsType !== 'FieldsV1') return undefined;
    const text = (k: string) => (typeof e[k] === 'string' ? (e[k] as string) : '');
    let fields: FieldSet;
    try {
      fields = FieldSet.fromFieldsV1(e.fieldsV1 ?? {});
    } catch {
      return undefined;
    }
    const m: Manager = { manager: text('manager'), operation: e.operation, apiVersion: text('apiVersion'), fields };
    if (text('time')) m.time = text('time');
    if (text('subresource')) m.subresource = text('subresource');
    const id = managerId(m);
    const prev = byId.get(id);
    byId.set(id, prev ? { ...m, time: later(prev.time, m.time), fields: prev.fields.union(m.fields) } : m);
  }
  return [...byId.values()];
}

/** Entries in the apiserver's order (Apply before Update, then oldest first, then by name). */
export function encodeManagedFields(managers: Manager[]): ManagedFieldsEntry[] {
  return managers
    .filter((m) => !m.fields.isEmpty())
    .sort(
      (a, b) =>
        cmp(a.operation, b.operation) ||
        cmp(a.time ?? '', b.time ?? '') ||
        cmp(a.manager, b.manager) ||
        cmp(a.apiVersion, b.apiVersion) ||
        cmp(a.subresource ?? '', b.subresource ?? ''),
    )
    .map((m) => {
      const e: ManagedFieldsEntry = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion };
      if (m.time) e.time = m.time;
      e.fieldsType = 'FieldsV1';
      e.fieldsV1 = m.fields.toFieldsV1();
      if (m.subresource) e.subresource = m.subresource;
      return e;
    });
}

/** Sets (or, when none are left, removes) metadata.managedFields of `obj`, in place. */
export function setManagedFields(obj: JsonObject, managers: Manager[]): void {
  const entries = encodeManagedFields(managers);
  const meta = isObject(obj.metadata) ? obj.metadata : (obj.metadata = {});
  if (entries.length > 0) meta.managedFields = entries;
  else delete meta.managedFields;
}

/** A shallow copy without metadata.managedFields, for comparing objects. */
export function withoutManagedFields(obj: object): JsonObject {
  const out: JsonObject = { ...obj };
  if (isObject(out.metadata)) {
    const { managedFields: _, ...meta } = out.metadata;
    out.metadata = meta;
  }
  return out;
}

export interface UpdateArgs {
  live: object | undefined;
  updated: object;
  manager: string;
  schema: ObjectSchema;
  apiVersion: string;
  /** RFC 3339, seconds: the time of the entry when this write changed something. */
  now: string;
  subresource?: string;
}

/**
 * A non-apply write: the fields it added or changed become this manager's (operation Update)
 * and leave every other manager; fields it removed leave everyone. Returns a shallow copy of
 * `updated` with its managedFields. Pass the object as it will be stored (defaulted, prepared).
 */
export function updateManagedFields(args: UpdateArgs): JsonObject {
  // Only metadata.managedFields is set on the copy: the rest is shared with `updated`, not cloned
  // (a deep copy of every object written was a tenth of the write path's time).
  const out: JsonObject = { ...args.updated, metadata: { ...(args.updated as { metadata?: object }).metadata } };
  const managers = baseManagers(args.live, out, args.subresource);
  const after = withoutManagedFields(out);
  let changes;
  try {
    changes = compareFields(args.live ? withoutManagedFields(args.live) : {}, after, args.schema);
  } catch (e) {
    // As UpdateNoErrors: an object that does not fit its schema loses its managedFields.
    if (!(e instanceof TypedValueError)) throw e;
    setManagedFields(out, []);
    return out;
  }
  const changed = changes.modified.union(changes.added).difference(UNOWNED);
  const next = managers.map((m) => ({ ...m, fields: m.fields.difference(changed).difference(changes.removed) }));
  if (!changed.isEmpty()) {
    const self: Manager = { manager: args.manager, operation: 'Update', apiVersion: args.apiVersion, fields: changed, time: args.now };
    if (args.subresource) self.subresource = args.subresource;
    const i = next.findIndex((m) => managerId(m) === managerId(self));
    if (i >= 0) next[i] = { ...self, fields: next[i].fields.union(changed) };
    else next.push(self);
  }
  setManagedFields(out, next);
  return out;
}

/**
 * The managers a write starts from (decodeLiveOrNew): the request's managedFields when it sets
 * them (`[]` or `[{}]` resets them), else the live object's. A subresource write cannot set them.
 */
function baseManagers(live: object | undefined, updated: JsonObject, subresource: string | undefined): Manager[] {
  const liveManagers = decodeManagedFields(isObject(live) && isObject(live.metadata) ? live.metadata.managedFields : undefined) ?? [];
  const requested = isObject(updated.metadata) ? updated.metadata.managedFields : undefined;
  if (subresource || !Array.isArray(requested)) return liveManagers;
  if (requested.length === 0 || (requested.length === 1 && isObject(requested[0]) && Object.keys(requested[0]).length === 0)) {
    return [];
  }
  const fromRequest = decodeManagedFields(requested);
  return fromRequest && fromRequest.length > 0 ? fromRequest : liveManagers;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function later(a: string | undefined, b: string | undefined): string | undefined {
  return !a ? b : !b ? a : a > b ? a : b;
}
