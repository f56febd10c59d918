// Objects in the store are JSON without resourceVersion: the store's modRevision *is* the
// resourceVersion, set on the way out (as the etcd3 storage of kube-apiserver does). A version
// served from another's objects (ResourceType.storedAs) is converted here, both ways.

import type { KeyValue } from '../../store/store.js';
import type { KubeObject } from '../../apis/types.js';
import type { Resource } from '../registry.js';

export function encodeObject(r: Resource, input: KubeObject): string {
  const obj = r.type.storedAs ? r.type.storedAs.toStored(input) : input;
  const { resourceVersion: _rv, ...metadata } = obj.metadata;
  return JSON.stringify({ ...obj, metadata });
}

export function decodeObject(r: Resource, kv: KeyValue): KubeObject {
  const stored = JSON.parse(kv.value) as KubeObject;
  const obj = r.type.storedAs ? r.type.storedAs.fromStored(stored) : stored;
  obj.apiVersion = r.apiVersion;
  obj.kind = r.type.kind;
  obj.metadata.resourceVersion = String(kv.modRevision);
  return obj;
}

/** decodeObject(r, kv) for the entry just stored from `obj` (kv.value is encodeObject(r, obj)),
 *  without parsing back what was just encoded: the same JSON, key order included (metadata's
 *  resourceVersion last). `obj` is the writer's own: the result shares its parts. */
export function asStored(r: Resource, obj: KubeObject, kv: KeyValue): KubeObject {
  if (r.type.storedAs) return decodeObject(r, kv);
  const { resourceVersion: _rv, ...metadata } = obj.metadata;
  return { ...obj, apiVersion: r.apiVersion, kind: r.type.kind, metadata: { ...metadata, resourceVersion: String(kv.modRevision) } };
}

/** Every watcher of a write is handed the same KeyValue: its value is parsed once and shared.
 *  Frozen, so a consumer that changed a shared part would fail loudly instead of changing it
 *  for every other cache. */
const sharedValues = new WeakMap<KeyValue, KubeObject>();

export function parseShared(kv: KeyValue): KubeObject {
  let stored = sharedValues.get(kv);
  if (!stored) {
    stored = deepFreeze(JSON.parse(kv.value) as KubeObject);
    sharedValues.set(kv, stored);
  }
  return stored;
}

/** decodeObject for a watch event: the watcher's own object and metadata (an informer drops
 *  managedFields from its copy) over spec, status and the rest shared with the event's other
 *  watchers: a thousand pods in six informers hold one decoded pod each, not six. */
export function decodeShared(r: Resource, kv: KeyValue): KubeObject {
  const stored = parseShared(kv);
  const obj = r.type.storedAs ? r.type.storedAs.fromStored(stored) : stored;
  return { ...obj, apiVersion: r.apiVersion, kind: r.type.kind, metadata: { ...obj.metadata, resourceVersion: String(kv.modRevision) } };
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/** A deep copy through JSON: objects here are always plain JSON. */
export function clone<T>(v: T): T {
  return structuredClone(v);
}

/** Removes null members recursively, in place: a typed decoder (Kubernetes') reads a null
 *  as "not set", so `creationTimestamp: null` in a pod template must not be stored. */
export function dropNulls(v: unknown): void {
  if (Array.isArray(v)) {
    for (const x of v) dropNulls(x);
  } else if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (o[k] === null) delete o[k];
      else dropNulls(o[k]);
    }
  }
}
