// The one interface every component uses to reach the API (DESIGN.md: "No component reads
// another component's memory"). Implementations: in-process (in-process.ts, a direct call into
// the REST storage) and, for agents on other hosts, HTTPS. Errors are StatusErrors either way.

import type { KubeObject } from '../apis/types.js';

/** Which resource: `{ group: 'apps', version: 'v1', resource: 'deployments' }`. */
export interface ResourceId {
  group: string;
  version: string;
  resource: string;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface ListResult<T extends KubeObject = KubeObject> {
  items: T[];
  resourceVersion: string;
  continue?: string;
}

export interface WriteOptions {
  fieldManager?: string;
  dryRun?: boolean;
  /** `status`, `scale`, `binding`, ... */
  subresource?: string;
}

export interface PatchOptions extends WriteOptions {
  force?: boolean;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface WatchOptions {
  /** Changes after this revision; empty: the current objects as ADDED first. */
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  allowWatchBookmarks?: boolean;
  /** The server ends the watch after this long (an HTTPS client also gives up a little later). */
  timeoutSeconds?: number;
}

export interface WatchCallbacks<T extends KubeObject = KubeObject> {
  event(type: WatchEventType, obj: T): void;
  /** The watch ended (410 Expired, connection lost, ...): the caller re-lists or re-watches. */
  end(err?: Error): void;
}

export interface Watch {
  cancel(): void;
}

export interface Client {
  get<T extends KubeObject = KubeObject>(r: ResourceId, namespace: string | undefined, name: string): Promise<T>;
  list<T extends KubeObject = KubeObject>(r: ResourceId, namespace?: string, opts?: ListOptions): Promise<ListResult<T>>;
  create<T extends KubeObject = KubeObject>(r: ResourceId, namespace: string | undefined, obj: KubeObject, opts?: WriteOptions): Promise<T>;
  /** PUT of the whole object (or of a subresource such as status). */
  update<T extends KubeObject = KubeObject>(r: ResourceId, namespace: string | undefined, obj: KubeObject, opts?: WriteOptions): Promise<T>;
  patch<T extends KubeObject = KubeObject>(
    r: ResourceId,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    body: unknown,
    opts?: PatchOptions,
  ): Promise<T>;
  /** Resolves when the delete was accepted (the object may still wait on finalizers). */
  delete(r: ResourceId, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<void>;
  watch<T extends KubeObject = KubeObject>(r: ResourceId, namespace: string | undefined, opts: WatchOptions, cb: WatchCallbacks<T>): Promise<Watch>;
}

/** The resources components use, by name. */
export const R = {
  namespaces: { group: '', version: 'v1', resource: 'namespaces' },
  pods: { group: '', version: 'v1', resource: 'pods' },
  services: { group: '', version: 'v1', resource: 'services' },
  endpoints: { group: '', version: 'v1', resource: 'endpoints' },
  nodes: { group: '', version: 'v1', resource: 'nodes' },
  events: { group: '', version: 'v1', resource: 'events' },
  endpointSlices: { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' },
  deployments: { group: 'apps', version: 'v1', resource: 'deployments' },
  replicaSets: { group: 'apps', version: 'v1', resource: 'replicasets' },
  leases: { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' },
  configMaps: { group: '', version: 'v1', resource: 'configmaps' },
  secrets: { group: '', version: 'v1', resource: 'secrets' },
  serviceAccounts: { group: '', version: 'v1', resource: 'serviceaccounts' },
  statefulSets: { group: 'apps', version: 'v1', resource: 'statefulsets' },
  daemonSets: { group: 'apps', version: 'v1', resource: 'daemonsets' },
  jobs: { group: 'batch', version: 'v1', resource: 'jobs' },
  cronJobs: { group: 'batch', version: 'v1', resource: 'cronjobs' },
  controllerRevisions: { group: 'apps', version: 'v1', resource: 'controllerrevisions' },
  persistentVolumeClaims: { group: '', version: 'v1', resource: 'persistentvolumeclaims' },
  persistentVolumes: { group: '', version: 'v1', resource: 'persistentvolumes' },
  storageClasses: { group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses' },
} as const satisfies Record<string, ResourceId>;
