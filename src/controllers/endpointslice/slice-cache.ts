// The EndpointSlices one controller manages, by owner, fed by the slice informer *and* by the
// controller's own writes. Its writes show at once, so a sync that follows another before the
// watch caught up neither duplicates a slice nor resurrects a deleted one; the watch's echo of
// a write (same resourceVersion, or an older one) is recognised and causes no new sync.

import type { EndpointSlice } from '../../apis/discovery/endpointslices.js';
import { LABEL_MANAGED_BY, LABEL_SERVICE_NAME } from './labels.js';

const id = (s: EndpointSlice): string => `${s.metadata.namespace}/${s.metadata.name}`;
const revision = (s: EndpointSlice): number => Number(s.metadata.resourceVersion ?? 0);

export class SliceCache {
  private readonly byOwner = new Map<string, Map<string, EndpointSlice>>();
  private readonly ownerOf = new Map<string, string>();
  /** Slices this controller deleted whose DELETED event has not come yet. */
  private readonly deleted = new Set<string>();

  constructor(private readonly managedBy: string) {}

  /** `namespace/service-name` of a slice this controller manages. */
  ownerKey(s: EndpointSlice): string | undefined {
    const service = s.metadata.labels?.[LABEL_SERVICE_NAME];
    return service && s.metadata.labels?.[LABEL_MANAGED_BY] === this.managedBy ? `${s.metadata.namespace}/${service}` : undefined;
  }

  list(ownerKey: string): EndpointSlice[] {
    return [...(this.byOwner.get(ownerKey)?.values() ?? [])];
  }

  /** A watch event. Returns the owner to sync when it is news, i.e. not the echo of a write
   *  of ours (someone else changed, relabelled or deleted a slice). */
  observe(type: 'add' | 'update' | 'delete', s: EndpointSlice): string | undefined {
    const key = id(s);
    const previousOwner = this.ownerOf.get(key);
    if (type === 'delete') {
      this.forget(key);
      return this.deleted.delete(key) ? undefined : previousOwner;
    }
    if (this.deleted.has(key)) return undefined;
    const previous = previousOwner ? this.byOwner.get(previousOwner)?.get(key) : undefined;
    if (previous && revision(previous) >= revision(s)) return undefined;
    this.put(s);
    return this.ownerKey(s) ?? previousOwner;
  }

  wrote(s: EndpointSlice): void {
    this.put(s);
  }

  removed(s: EndpointSlice): void {
    this.forget(id(s));
    this.deleted.add(id(s));
  }

  private put(s: EndpointSlice): void {
    const key = id(s);
    this.forget(key);
    const owner = this.ownerKey(s);
    if (!owner) return;
    let slices = this.byOwner.get(owner);
    if (!slices) this.byOwner.set(owner, (slices = new Map()));
    slices.set(key, s);
    this.ownerOf.set(key, owner);
  }

  private forget(key: string): void {
    const owner = this.ownerOf.get(key);
    if (!owner) return;
    const slices = this.byOwner.get(owner)!;
    slices.delete(key);
    if (!slices.size) this.byOwner.delete(owner);
    this.ownerOf.delete(key);
  }
}
