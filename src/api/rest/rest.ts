// The generic REST storage for every resource (kube-apiserver's genericregistry.Store):
// create, get, list, update, patch, delete with Kubernetes' order of defaulting, strategy,
// validation, field management, allocation effects and optimistic concurrency. Callers are
// the HTTP handlers and in-process components; nothing here knows about HTTP.

import { randomUUID } from 'node:crypto';
import type { Store, KeyValue } from '../../store/store.js';
import { StoreError } from '../../store/store.js';
import type { ApiConfig, KubeObject, WriteContext } from '../../apis/types.js';
import { errors, StatusError, type FieldError } from '../../util/status-errors.js';
import { type Resource, type Registry, objectKey, listPrefix } from '../registry.js';
import { encodeObject, decodeObject, asStored, clone, dropNulls } from './codec.js';
import { jsonEqual } from '../../util/json-equal.js';
import { makePredicate, type SelectorOptions } from './filter.js';
import { decodeContinue, encodeContinue } from './continue.js';
import { applyPatch, type PatchType } from './patch.js';
import { recordManager } from './field-manager.js';
import { checkFields, type FieldValidation } from './field-validation.js';
import { rfc3339 } from '../../util/time.js';

export interface WriteOptions {
  dryRun?: boolean;
  /** Who writes (managedFields); defaults to the caller's user agent. */
  fieldManager?: string;
  /** What to do with fields the schema does not know (they are always dropped). */
  fieldValidation?: FieldValidation;
  /** Collects warnings for the client (Warning headers). */
  warnings?: string[];
  /** Admission: may refuse the write (throw) once the object is validated. */
  admit?: Admit;
}

/** Admission of a write: `obj` is what will be stored (none on delete), `old` what is (none on create). */
export type Admit = (obj: KubeObject | undefined, old: KubeObject | undefined) => Promise<void>;

export interface ListOptions extends SelectorOptions {
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface DeleteOptions {
  dryRun?: boolean;
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
  admit?: Admit;
}

export interface PatchOptions extends WriteOptions {
  force?: boolean;
  subresource?: string;
}

/** How guaranteedUpdate runs one write. */
interface UpdateHow {
  /** The subresource written (its strategy narrows what changes). */
  subresource?: string;
  /** The current entry, when the caller has just read it. */
  first?: KeyValue;
  /** The patch recorded managedFields itself (server-side apply). */
  managedByPatch?: boolean;
  /** `mutate` does not change the object it is given: it gets the server's own decoded copy. */
  readsCurrentOnly?: boolean;
}

/** How many times a read-modify-write retries on a concurrent change before answering 409. */
const MAX_RETRIES = 16;
const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Subresources that may change only part of an object: what each takes from the request. */
const SUBRESOURCE_WRITES: Record<string, (old: KubeObject, desired: KubeObject) => KubeObject> = {
  // ResetObjectMetaForStatus: a status write changes status only.
  status: (old, desired) => ({ ...old, status: desired.status }),
  // A namespace's finalize subresource changes spec.finalizers only.
  finalize: (old, desired) => ({ ...old, spec: { ...(old.spec ?? {}), finalizers: desired.spec?.finalizers ?? [] } }),
  // A CSR's approval changes its conditions only.
  approval: (old, desired) => ({ ...old, status: { ...(old.status ?? {}), conditions: desired.status?.conditions } }),
  binding: (old, desired) => ({ ...old, spec: { ...(old.spec ?? {}), nodeName: desired.spec?.nodeName } }),
};

export class Rest {
  constructor(
    readonly store: Store,
    readonly registry: Registry,
    readonly config: ApiConfig,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private context(dryRun: boolean | undefined): WriteContext {
    return { store: this.store, config: this.config, dryRun: dryRun === true, now: this.now() };
  }

  async get(r: Resource, namespace: string | undefined, name: string): Promise<KubeObject> {
    return decodeObject(r, await this.read(r, namespace, name));
  }

  /** The stored entry, as the store returns it (with `stale` under encryption at rest). */
  private async read(r: Resource, namespace: string | undefined, name: string): Promise<KeyValue> {
    const kv = await this.store.get(objectKey(r, namespace, name));
    if (!kv) throw errors.notFound(r.type.resource, r.type.group, name);
    return kv;
  }

  async list(r: Resource, namespace: string | undefined, opts: ListOptions = {}): Promise<ListResult> {
    const match = makePredicate(r, opts);
    const prefix = listPrefix(r, namespace);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    let startAfter: string | undefined;
    let revision: number | undefined;
    if (opts.continue) {
      const token = decodeContinue(opts.continue, prefix);
      startAfter = token.startAfter;
      revision = token.revision;
    }
    const items: KubeObject[] = [];
    let more = false;
    let remaining: number | undefined;
    let lastKey: string | undefined;
    try {
      // With a selector a page may need several reads to fill `limit` matching items.
      for (;;) {
        const page = await this.store.list(prefix, { limit: limit ? limit - items.length + 1 : 0, startAfter, revision });
        revision = page.revision;
        let i = 0;
        for (; i < page.items.length && (!limit || items.length < limit); i++) {
          const obj = decodeObject(r, page.items[i]);
          lastKey = page.items[i].key;
          if (!match || match(obj)) items.push(obj);
        }
        more = i < page.items.length || page.more;
        if (!match && page.remaining !== undefined) remaining = page.remaining + (page.items.length - i);
        if (!more || (limit && items.length >= limit)) break;
        startAfter = lastKey;
      }
    } catch (e) {
      if (e instanceof StoreError && e.code === 'compacted') {
        throw errors.gone(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
        );
      }
      throw e;
    }
    const result: ListResult = { items, resourceVersion: String(revision ?? (await this.store.currentRevision())) };
    if (more && lastKey !== undefined) {
      result.continue = encodeContinue(revision!, lastKey);
      if (remaining !== undefined && remaining > 0) result.remainingItemCount = remaining;
    }
    return result;
  }

  async create(r: Resource, namespace: string | undefined, input: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    const obj = clone(input);
    this.checkFields(r, obj, opts);
    dropNulls(obj);
    obj.apiVersion = r.apiVersion;
    obj.kind = r.type.kind;
    const meta = (obj.metadata ??= {});
    if (r.type.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = namespace ?? meta.namespace;
      await this.checkNamespaceOpen(meta.namespace);
    } else {
      delete meta.namespace;
    }
    if (!meta.name && meta.generateName) meta.name = meta.generateName + randomSuffix();
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(this.now());
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    if (r.type.tracksGeneration) meta.generation = 1;
    else delete meta.generation;

    r.type.defaults?.(obj);
    r.type.prepareForCreate?.(obj);
    this.validate(r, obj);
    await opts.admit?.(obj, undefined);
    const stored = recordManager(r, undefined, obj, opts.fieldManager, this.now());

    const ctx = this.context(opts.dryRun);
    const undo = await r.type.beforeCreate?.(stored, ctx);
    if (ctx.dryRun) {
      await undo?.();
      return stored;
    }
    try {
      const kv = await this.store.create(objectKey(r, stored.metadata.namespace, stored.metadata.name!), encodeObject(r, stored));
      return asStored(r, stored, kv);
    } catch (e) {
      await undo?.();
      if (e instanceof StoreError && e.code === 'exists') throw errors.alreadyExists(r.type.resource, r.type.group, stored.metadata.name!);
      throw e;
    }
  }

  /** PUT. `subresource` 'status' changes only status; the main resource keeps status. */
  async update(
    r: Resource,
    namespace: string | undefined,
    name: string,
    input: KubeObject,
    opts: WriteOptions & { subresource?: string } = {},
  ): Promise<KubeObject> {
    if (input.metadata?.name && input.metadata.name !== name) {
      throw errors.badRequest(`the name of the object (${input.metadata.name}) does not match the name on the URL (${name})`);
    }
    if (r.type.namespaced && input.metadata?.namespace && input.metadata.namespace !== namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const precondition = input.metadata?.resourceVersion;
    return this.guaranteedUpdate(r, namespace, name, opts, (current) => {
      if (precondition && precondition !== current.metadata.resourceVersion) {
        throw errors.modified(r.type.resource, r.type.group, name);
      }
      const obj = clone(input);
      this.checkFields(r, obj, opts);
      return obj;
    }, { subresource: opts.subresource, readsCurrentOnly: true });
  }

  async patch(
    r: Resource,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    body: unknown,
    opts: PatchOptions = {},
  ): Promise<{ object: KubeObject; created: boolean }> {
    if (type === 'apply' && !opts.fieldManager) {
      throw errors.invalid('PatchOptions', 'meta.k8s.io', '', [
        { type: 'FieldValueRequired', field: 'fieldManager', message: 'Required value: is required for apply patch' },
      ]);
    }
    for (let attempt = 0; ; attempt++) {
      const kv = await this.store.get(objectKey(r, namespace, name));
      if (!kv) {
        if (type !== 'apply' || opts.subresource) throw errors.notFound(r.type.resource, r.type.group, name);
        this.checkFields(r, body as KubeObject, opts);
        const applied = applyPatch(r, undefined, type, body, opts.fieldManager!, opts.force === true, this.now());
        applied.metadata.name ??= name;
        if (applied.metadata.name !== name) {
          throw errors.badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`);
        }
        try {
          // The apply already recorded its manager: create without recording another.
          return { object: await this.create(r, namespace, applied, { dryRun: opts.dryRun, admit: opts.admit }), created: true };
        } catch (e) {
          if (e instanceof StatusError && e.reason === 'AlreadyExists' && attempt < MAX_RETRIES) continue;
          throw e;
        }
      }
      if (type === 'apply') this.checkFields(r, body as KubeObject, opts);
      // Every patch but apply works on a copy of the current object of its own (applyPatch):
      // it may be given the server's.
      const object = await this.guaranteedUpdate(r, namespace, name, opts, (cur) => {
        const patched = applyPatch(r, cur, type, body, opts.fieldManager ?? '', opts.force === true, this.now());
        if (type !== 'apply') this.checkFields(r, patched, opts);
        const rv = patched.metadata?.resourceVersion;
        if (rv && rv !== cur.metadata.resourceVersion) throw errors.modified(r.type.resource, r.type.group, name);
        return patched;
      }, { subresource: opts.subresource, first: kv, managedByPatch: type === 'apply', readsCurrentOnly: type !== 'apply' });
      return { object, created: false };
    }
  }

  /** Read-modify-write of one object through the update strategy (for subresource handlers
   *  and in-process components). */
  mutate(
    r: Resource,
    namespace: string | undefined,
    name: string,
    fn: (current: KubeObject) => KubeObject,
    opts: WriteOptions & { subresource?: string } = {},
  ): Promise<KubeObject> {
    return this.guaranteedUpdate(r, namespace, name, opts, fn, { subresource: opts.subresource });
  }

  /**
   * Read-modify-write with compare-and-swap, retried on concurrent changes. `mutate` gets the
   * current object and returns the desired one (before strategy, defaults and validation).
   */
  private async guaranteedUpdate(
    r: Resource,
    namespace: string | undefined,
    name: string,
    opts: WriteOptions,
    mutate: (current: KubeObject) => KubeObject,
    how: UpdateHow = {},
  ): Promise<KubeObject> {
    const { subresource, managedByPatch = false } = how;
    let stored = how.first;
    for (let attempt = 0; ; attempt++) {
      stored ??= await this.read(r, namespace, name);
      const old = decodeObject(r, stored);
      // Otherwise a second parse is the caller's copy: cheaper than a deep clone of the first.
      const desired = mutate(how.readsCurrentOnly ? old : decodeObject(r, stored));
      const current = stored;
      const obj = this.prepareUpdate(r, old, desired, subresource, () => decodeObject(r, current));
      await opts.admit?.(obj, old);
      const next = managedByPatch ? obj : recordManager(r, old, obj, opts.fieldManager, this.now(), subresource);
      // Unchanged, and not stored under a key that no longer writes (rotation by `kubectl
      // replace`, as kube-apiserver rewrites stale reads): nothing to store.
      if (jsonEqual(withoutVolatile(next), withoutVolatile(old)) && !stored.stale) return old;

      const ctx = this.context(opts.dryRun);
      const undo = await r.type.beforeUpdate?.(next, old, ctx);
      if (ctx.dryRun) {
        await undo?.();
        return next;
      }
      const key = objectKey(r, namespace, name);
      try {
        let kv: KeyValue;
        if (deletesOnUpdate(r, next, old)) {
          // The last finalizer is gone: the object goes.
          kv = await this.store.delete(key, Number(old.metadata.resourceVersion));
          await r.type.afterDelete?.(decodeObject(r, kv), ctx);
        } else {
          kv = await this.store.update(key, encodeObject(r, next), Number(old.metadata.resourceVersion));
          await r.type.afterUpdate?.(next, old, ctx);
          return asStored(r, next, kv);
        }
        return decodeObject(r, kv);
      } catch (e) {
        await undo?.();
        if (e instanceof StoreError && e.code === 'conflict' && attempt < MAX_RETRIES) {
          stored = e.current;
          continue;
        }
        if (e instanceof StoreError && e.code === 'conflict') throw errors.modified(r.type.resource, r.type.group, name);
        if (e instanceof StoreError && e.code === 'not-found') throw errors.notFound(r.type.resource, r.type.group, name);
        throw e;
      }
    }
  }

  /** Applies the update strategy: what the client may change, defaults, generation, validation.
   *  `copyOfOld` decodes the stored entry again: a parse costs less than a deep clone. */
  private prepareUpdate(r: Resource, old: KubeObject, desired: KubeObject, subresource: string | undefined, copyOfOld: () => KubeObject): KubeObject {
    let obj: KubeObject;
    const narrow = subresource ? SUBRESOURCE_WRITES[subresource] : undefined;
    if (narrow) {
      obj = narrow(copyOfOld(), desired);
    } else {
      obj = desired;
      obj.metadata ??= {};
      if (r.type.subresources.includes('status')) {
        if (old.status === undefined) delete obj.status;
        else obj.status = clone(old.status);
      }
    }
    dropNulls(obj);
    obj.apiVersion = r.apiVersion;
    obj.kind = r.type.kind;
    const meta = obj.metadata;
    const was = old.metadata;
    meta.name = was.name;
    if (r.type.namespaced) meta.namespace = was.namespace;
    meta.uid = was.uid;
    meta.creationTimestamp = was.creationTimestamp;
    meta.resourceVersion = was.resourceVersion;
    if (was.deletionTimestamp) {
      meta.deletionTimestamp = was.deletionTimestamp;
      if (was.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = was.deletionGracePeriodSeconds;
    } else {
      delete meta.deletionTimestamp;
      delete meta.deletionGracePeriodSeconds;
    }
    if (!meta.generateName) delete meta.generateName;

    r.type.defaults?.(obj);
    if (subresource === undefined) r.type.prepareForUpdate?.(obj, old);
    else r.type.prepareSubresource?.(subresource, obj, old, this.now());
    if (r.type.tracksGeneration) {
      meta.generation = was.generation ?? 1;
      if (!jsonEqual(specOf(obj), specOf(old))) meta.generation += 1;
    }
    if (was.deletionTimestamp && (meta.finalizers?.length ?? 0) > (was.finalizers?.length ?? 0)) {
      // Adding finalizers to an object being deleted would keep it forever.
      const added = (meta.finalizers ?? []).filter((f) => !(was.finalizers ?? []).includes(f));
      if (added.length) {
        throw errors.invalid(r.type.kind, r.type.group, meta.name!, [
          { type: 'FieldValueForbidden', field: 'metadata.finalizers', message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}` },
        ]);
      }
    }
    // A binding is the scheduler's one allowed change to an otherwise immutable pod spec.
    if (subresource !== 'binding') this.validate(r, obj, old);
    return obj;
  }

  private checkFields(r: Resource, obj: KubeObject, opts: WriteOptions): void {
    if (typeof obj !== 'object' || obj === null) throw errors.badRequest('the body of the request must be an object');
    const warnings = checkFields(r, obj, opts.fieldValidation ?? 'Ignore');
    opts.warnings?.push(...warnings);
  }

  private validate(r: Resource, obj: KubeObject, old?: KubeObject): void {
    const causes: FieldError[] = r.type.validate?.(obj, old) ?? [];
    if (causes.length) throw errors.invalid(r.type.kind, r.type.group, obj.metadata.name ?? '', causes);
  }

  async delete(
    r: Resource,
    namespace: string | undefined,
    name: string,
    opts: DeleteOptions = {},
  ): Promise<{ object: KubeObject; deleted: boolean }> {
    const key = objectKey(r, namespace, name);
    for (let attempt = 0; ; attempt++) {
      const current = await this.get(r, namespace, name);
      checkPreconditions(r, current, opts.preconditions);
      await opts.admit?.(undefined, current);
      const ctx = this.context(opts.dryRun);
      const graceful = this.gracefulUpdate(r, current, opts);
      if (ctx.dryRun) return { object: graceful ?? current, deleted: !graceful };
      try {
        if (graceful) {
          if (jsonEqual(graceful, current)) return { object: current, deleted: false };
          const kv = await this.store.update(key, encodeObject(r, graceful), Number(current.metadata.resourceVersion));
          return { object: decodeObject(r, kv), deleted: false };
        }
        const kv = await this.store.delete(key, Number(current.metadata.resourceVersion));
        const gone = decodeObject(r, kv);
        await r.type.afterDelete?.(gone, ctx);
        return { object: gone, deleted: true };
      } catch (e) {
        if (e instanceof StoreError && e.code === 'conflict' && attempt < MAX_RETRIES) continue;
        if (e instanceof StoreError && e.code === 'not-found') throw errors.notFound(r.type.resource, r.type.group, name);
        throw e;
      }
    }
  }

  /**
   * The object as it looks while its deletion waits (finalizers, propagation policy, the
   * resource's own reasons to wait), or undefined to delete it now.
   */
  private gracefulUpdate(r: Resource, current: KubeObject, opts: DeleteOptions): KubeObject | undefined {
    const obj = clone(current);
    const meta = obj.metadata;
    const finalizers = new Set(meta.finalizers ?? []);
    if (opts.propagationPolicy === 'Orphan') finalizers.add('orphan');
    if (opts.propagationPolicy === 'Foreground') finalizers.add('foregroundDeletion');
    let waits = finalizers.size > 0;
    if (r.type.checkGracefulDelete?.(obj, opts, this.now())) waits = true;
    if (!waits) return undefined;
    if (finalizers.size) meta.finalizers = [...finalizers];
    if (!meta.deletionTimestamp) {
      meta.deletionTimestamp = rfc3339(this.now());
      meta.deletionGracePeriodSeconds ??= 0;
    }
    return obj;
  }

  async deleteCollection(
    r: Resource,
    namespace: string | undefined,
    list: ListOptions,
    opts: DeleteOptions = {},
  ): Promise<KubeObject[]> {
    const { items } = await this.list(r, namespace, list);
    const out: KubeObject[] = [];
    for (const item of items) {
      try {
        out.push((await this.delete(r, item.metadata.namespace, item.metadata.name!, opts)).object);
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 404)) throw e;
      }
    }
    return out;
  }

  private async checkNamespaceOpen(namespace: string | undefined): Promise<void> {
    if (!namespace) throw errors.badRequest('the server could not find the requested resource: namespace is required');
    const ns = this.registry.lookup('', 'v1', 'namespaces')!;
    const kv = await this.store.get(objectKey(ns, undefined, namespace));
    if (!kv) throw errors.notFound('namespaces', '', namespace);
    const obj = decodeObject(ns, kv);
    if (obj.metadata.deletionTimestamp || obj.status?.phase === 'Terminating') {
      throw new StatusError(403, 'Forbidden', `unable to create new content in namespace ${namespace} because it is being terminated`, {
        name: namespace,
        kind: 'namespaces',
        causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }],
      });
    }
  }
}

function randomSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += GENERATE_NAME_ALPHABET[Math.floor(Math.random() * GENERATE_NAME_ALPHABET.length)];
  return s;
}

function checkPreconditions(r: Resource, obj: KubeObject, pre: DeleteOptions['preconditions']): void {
  if (pre?.uid && pre.uid !== obj.metadata.uid) {
    throw errors.conflict(r.type.resource, r.type.group, obj.metadata.name!, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid}`);
  }
  if (pre?.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion) {
    throw errors.conflict(r.type.resource, r.type.group, obj.metadata.name!, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion}`);
  }
}

/** Everything but metadata and status: what a generation counts. */
function specOf(obj: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

/** Fields that change on every write and do not make an update a change. */
function withoutVolatile(obj: KubeObject): KubeObject {
  const meta = { ...obj.metadata };
  delete meta.resourceVersion;
  if (meta.managedFields) meta.managedFields = meta.managedFields.map(({ time: _t, ...m }) => m);
  return { ...obj, metadata: meta };
}

/** An update removes an object being deleted once nothing holds it: no finalizers, and no grace
 *  period still running (a pod's node ends that by deleting with grace 0), as the generic
 *  registry's ShouldDeleteDuringUpdate decides. */
function deletesOnUpdate(r: Resource, next: KubeObject, old: KubeObject): boolean {
  return !!next.metadata.deletionTimestamp && !next.metadata.finalizers?.length && !old.metadata.deletionGracePeriodSeconds && !r.type.heldWhileDeleting?.(next);
}
