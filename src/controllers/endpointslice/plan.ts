// The reconcile diff: which EndpointSlices to create, update and delete so that an owner's
// slices hold exactly the desired endpoint groups, at most `max` endpoints each. Shared by the
// EndpointSlice and the mirroring controllers. It touches as few slices as it can: endpoints
// stay in the slice that has them, an unchanged slice is not rewritten, new endpoints first
// fill slices that are written anyway, and a create paired with a delete becomes an update.

import type { OwnerReference } from '../../apis/types.js';
import type { AddressType, Endpoint, EndpointPort, EndpointSlice } from '../../apis/discovery/endpointslices.js';
import { jsonEqual } from '../../util/json-equal.js';
import { endpointKey, portsKey, type SliceGroup } from './slice-group.js';

export interface SliceOwner {
  namespace: string;
  generateName: string;
  labels: Record<string, string>;
  /** When set, slices carry exactly these annotations (mirroring); else theirs are kept. */
  annotations?: Record<string, string>;
  ownerReference: OwnerReference;
  /** Address types that may have slices; slices of other types are deleted. */
  addressTypes: AddressType[];
  /** Keep one empty slice per address type when there are no endpoints (a Service whose
   *  selector matches nothing still shows a slice). */
  placeholder: boolean;
}

export interface SlicePlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

const owned = (s: EndpointSlice, owner: SliceOwner): boolean =>
  s.metadata.ownerReferences?.some((r) => r.uid === owner.ownerReference.uid) ?? false;

const metaMatches = (s: EndpointSlice, owner: SliceOwner): boolean =>
  jsonEqual(s.metadata.labels ?? {}, owner.labels) &&
  (owner.annotations === undefined || jsonEqual(s.metadata.annotations ?? {}, owner.annotations));

function newSlice(owner: SliceOwner, addressType: AddressType, ports: EndpointPort[], endpoints: Endpoint[]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: owner.generateName,
      namespace: owner.namespace,
      labels: { ...owner.labels },
      ...(owner.annotations ? { annotations: { ...owner.annotations } } : {}),
      ownerReferences: [owner.ownerReference],
    },
    addressType,
    endpoints,
    ports,
  };
}

function rewritten(s: EndpointSlice, owner: SliceOwner, endpoints: Endpoint[]): EndpointSlice {
  const annotations = owner.annotations ? { annotations: { ...owner.annotations } } : {};
  return { ...s, metadata: { ...s.metadata, labels: { ...owner.labels }, ...annotations }, endpoints };
}

/** The slice that will be closest to full after taking n more endpoints. */
function sliceToFill(slices: EndpointSlice[], n: number, max: number): EndpointSlice | undefined {
  let best: EndpointSlice | undefined;
  let bestRoom = max;
  for (const s of slices) {
    const room = max - n - (s.endpoints?.length ?? 0);
    if (room >= 0 && room < bestRoom) [best, bestRoom] = [s, room];
  }
  return best;
}

function planAddressType(owner: SliceOwner, addressType: AddressType, mine: EndpointSlice[], groups: SliceGroup[], max: number): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const byPorts = new Map<string, EndpointSlice[]>();
  for (const s of mine) {
    const key = portsKey(s.addressType, s.ports);
    byPorts.set(key, [...(byPorts.get(key) ?? []), s]);
  }
  for (const group of groups) {
    const key = portsKey(addressType, group.ports);
    const desired = new Map(group.endpoints.map((e) => [endpointKey(e), e]));
    const unchanged: EndpointSlice[] = [];
    const updated: EndpointSlice[] = [];
    for (const s of byPorts.get(key) ?? []) {
      let changed = !metaMatches(s, owner);
      const kept: Endpoint[] = [];
      for (const e of s.endpoints ?? []) {
        const k = endpointKey(e);
        const want = desired.get(k);
        desired.delete(k); // a duplicate in a second slice is dropped there
        if (!want) changed = true;
        else {
          if (!jsonEqual(want, e)) changed = true;
          kept.push(want);
        }
      }
      if (!changed) unchanged.push(s);
      else if (kept.length) updated.push(rewritten(s, owner, kept));
      else plan.delete.push(s);
    }
    byPorts.delete(key);
    const rest = [...desired.values()];
    updated.sort((a, b) => b.endpoints!.length - a.endpoints!.length);
    for (const s of updated) s.endpoints!.push(...rest.splice(0, Math.max(0, max - s.endpoints!.length)));
    while (rest.length) {
      const chunk = rest.splice(0, max);
      const fill = chunk.length < max ? sliceToFill(unchanged, chunk.length, max) : undefined;
      if (fill) {
        unchanged.splice(unchanged.indexOf(fill), 1);
        updated.push(rewritten(fill, owner, [...(fill.endpoints ?? []), ...chunk]));
      } else plan.create.push(newSlice(owner, addressType, group.ports, chunk));
    }
    plan.update.push(...updated);
  }
  for (const stale of byPorts.values()) plan.delete.push(...stale);
  if (owner.placeholder && plan.delete.length === mine.length && plan.create.length === 0) {
    const placeholder = newSlice(owner, addressType, [], []);
    const [only] = plan.delete;
    const samePlaceholder = plan.delete.length === 1 && !only.endpoints?.length && !only.ports?.length && metaMatches(only, owner);
    if (samePlaceholder) plan.delete = [];
    else plan.create.push(placeholder);
  }
  return plan;
}

/** Instead of deleting one slice and creating another of the same type, rewrite the first. */
function reuseDeleted(plan: SlicePlan): SlicePlan {
  const create: EndpointSlice[] = [];
  const remaining = [...plan.delete];
  const update = [...plan.update];
  for (const c of plan.create) {
    const i = remaining.findIndex((d) => d.addressType === c.addressType);
    if (i < 0) {
      create.push(c);
      continue;
    }
    const [old] = remaining.splice(i, 1);
    const { generateName: _g, ...meta } = c.metadata;
    update.push({ ...c, metadata: { ...meta, name: old.metadata.name, uid: old.metadata.uid, resourceVersion: old.metadata.resourceVersion } });
  }
  return { create, update, delete: remaining };
}

export function planSlices(owner: SliceOwner, existing: EndpointSlice[], groups: SliceGroup[], max: number): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const otherTypes: EndpointSlice[] = [];
  for (const s of existing) {
    if (!owned(s, owner)) plan.delete.push(s); // left over from an earlier object of the same name
    else if (!owner.addressTypes.includes(s.addressType)) otherTypes.push(s);
  }
  for (const addressType of owner.addressTypes) {
    const mine = existing.filter((s) => owned(s, owner) && s.addressType === addressType);
    const sub = reuseDeleted(planAddressType(owner, addressType, mine, groups.filter((g) => g.addressType === addressType), max));
    plan.create.push(...sub.create);
    plan.update.push(...sub.update);
    plan.delete.push(...sub.delete);
  }
  plan.delete.push(...otherTypes);
  return plan;
}
