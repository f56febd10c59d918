// Server-side apply (application/apply-patch+yaml) in the structured-merge-diff model: the
// configuration is merged into the live object, the applier owns exactly the fields of its
// configuration, fields it applied before and dropped now go unless someone else owns them,
// and changing a field another manager owns is a conflict unless forced (then it moves).
import type { ObjectSchema } from '../../apis/schema/types.js';
import { errors } from '../../util/status-errors.js';
import { mergeApplied, prune } from './apply-merge.js';
import { conflictError, type Conflict } from './conflict-error.js';
import { FieldSet } from './field-set.js';
import { clone, isObject, requireObject, type JsonObject } from './json-value.js';
import { fieldsFromLastApplied, mayUpgradeFromClientSideApply, syncLastApplied } from './last-applied.js';
import {
  decodeManagedFields,
  managerId,
  setManagedFields,
  UNOWNED,
  withoutManagedFields,
  type Manager,
} from './managed-fields.js';
import { compareFields, toFieldSet, TypedValueError } from './typed-fields.js';

/** Identity the configuration cannot change: the live object's is kept. */
const LIVE_METADATA = [
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'selfLink',
];

export interface ApplyArgs {
  /** Undefined when the apply creates the object. */
  live: object | undefined;
  applied: object;
  manager: string;
  force: boolean;
  schema: ObjectSchema;
  apiVersion: string;
  /** RFC 3339, seconds. */
  now: string;
  subresource?: string;
}

export function serverSideApply(args: ApplyArgs): JsonObject {
  const config = clone(requireObject(args.applied));
  if (isObject(config.metadata) && config.metadata.managedFields != null) {
    throw errors.badRequest('metadata.managedFields must be nil');
  }
  if (config.apiVersion !== args.apiVersion) {
    throw errors.badRequest(
      `Incorrect version specified in apply patch. Specified patch version: ${String(config.apiVersion ?? '')}, expected: ${args.apiVersion}`,
    );
  }
  const live = args.live ? withoutManagedFields(clone(args.live)) : {};
  const managers = decodeManagedFields(isObject(args.live) && isObject(args.live.metadata) ? args.live.metadata.managedFields : undefined) ?? [];
  const applier: Manager = {
    manager: args.manager,
    operation: 'Apply',
    apiVersion: args.apiVersion,
    time: args.now,
    fields: typed('patch', () => toFieldSet(config, args.schema, true)),
    ...(args.subresource ? { subresource: args.subresource } : {}),
  };
  const id = managerId(applier);
  const last = managers.find((m) => managerId(m) === id)?.fields ?? new FieldSet();
  const others = managers.filter((m) => managerId(m) !== id);

  const merged = mergeApplied(clone(live), config, args.schema) as JsonObject;
  if (args.live) keepLiveIdentity(merged, live);
  prune(merged, args.schema, last, others.reduce((s, m) => s.union(m.fields), applier.fields));

  const changes = typed('live', () => compareFields(live, merged, args.schema));
  const changed = changes.modified.union(changes.added);
  const conflicts = others.map((owner) => ({ owner, fields: owner.fields.intersection(changed) })).filter((c) => !c.fields.isEmpty());
  if (conflicts.length > 0 && !args.force) refuse(conflicts, live, args);

  applier.fields = applier.fields.difference(UNOWNED);
  setManagedFields(merged, [...others.map((m) => ({ ...m, fields: m.fields.difference(changed).difference(changes.removed) })), applier]);
  syncLastApplied(merged, config, args.manager);
  return merged;
}

/** Throws the conflicts, but lets kubectl take over what its client-side apply last set. */
function refuse(conflicts: Conflict[], live: JsonObject, args: ApplyArgs): void {
  const allowed = mayUpgradeFromClientSideApply(args.manager) ? fieldsFromLastApplied(live, args.schema) : undefined;
  const left = allowed
    ? conflicts.map((c) => ({ ...c, fields: c.fields.difference(allowed) })).filter((c) => !c.fields.isEmpty())
    : conflicts;
  if (left.length > 0) throw conflictError(left);
}

function keepLiveIdentity(merged: JsonObject, live: JsonObject): void {
  const from = isObject(live.metadata) ? live.metadata : {};
  const to = isObject(merged.metadata) ? merged.metadata : (merged.metadata = {});
  for (const k of LIVE_METADATA) {
    if (k in from) to[k] = from[k];
    else delete to[k];
  }
}

/** An object that does not fit its schema: the request is at fault (the apiserver answers 500
 *  for a live object; there is nothing better a client could do about it either). */
function typed<T>(which: 'patch' | 'live', f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof TypedValueError)) throw e;
    const message = `failed to create typed ${which} object: ${e.message}`;
    throw which === 'patch' ? errors.badRequest(message) : errors.internal(message);
  }
}
