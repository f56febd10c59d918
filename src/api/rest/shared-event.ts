// What every watcher of one store event shares, as kube-apiserver's cachingObject does: the
// event decoded for a resource version (to match selectors against), its selectable fields,
// and its encoded watch lines. Keyed by the store's KeyValue, which the store hands to every
// watcher of a write, and dropped with it.
//
// Five kubelets watch pods with spec.nodeName=X: the fields are worked out once per write, not
// once per kubelet; a write that several HTTP watchers send whole is stringified once.

import type { KeyValue } from '../../store/store.js';
import type { KubeObject } from '../../apis/types.js';
import type { Resource } from '../registry.js';
import { decodeShared } from './codec.js';
import { objectFields } from './filter.js';

interface Shared {
  view: KubeObject;
  fields?: Record<string, string>;
  lines?: Map<string, string>;
}

const byKv = new WeakMap<KeyValue, Map<Resource, Shared>>();

function shared(r: Resource, kv: KeyValue): Shared {
  let perResource = byKv.get(kv);
  if (!perResource) byKv.set(kv, (perResource = new Map()));
  let s = perResource.get(r);
  if (!s) perResource.set(r, (s = { view: decodeShared(r, kv) }));
  return s;
}

/** The value as watchers of `r` see it, for reading only (selectors): one per write. */
export function sharedView(r: Resource, kv: KeyValue): KubeObject {
  return shared(r, kv).view;
}

/** The field set of the value (filter.ts objectFields), worked out once per write. */
export function sharedFields(r: Resource, kv: KeyValue): Record<string, string> {
  const s = shared(r, kv);
  return (s.fields ??= objectFields(r, s.view));
}

/** `encode()`'s result, once for every watcher that asks with the same `variant` (the event type
 *  and anything else the bytes depend on). */
export function sharedLine(r: Resource, kv: KeyValue, variant: string, encode: () => string): string {
  const s = shared(r, kv);
  const lines = (s.lines ??= new Map());
  let line = lines.get(variant);
  if (line === undefined) lines.set(variant, (line = encode()));
  return line;
}
