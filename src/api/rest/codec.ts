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

/** A deep copy through JSON: objects here are always plain JSON. */
export function clone<T>(v: T): T {
  return structuredClone(v);
}

/** Deep equality of JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => jsonEqual(ao[k], bo[k]));
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
