// What the API server knows about each resource it serves: names for discovery, the schema,
// defaulting, validation, Table columns, selectable fields and write-time effects
// (allocation). The generic REST flow in src/api/ drives these hooks in Kubernetes' order:
// decode → default → prepare (strategy) → validate → admit (effects) → store.

import type { FieldError } from '../util/status-errors.js';
import type { Store } from '../store/store.js';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: 'Apply' | 'Update';
  apiVersion?: string;
  time?: string;
  fieldsType?: 'FieldsV1';
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

/** ObjectMeta as it travels in JSON (timestamps are RFC 3339 strings). */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string | null;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: ManagedFieldsEntry[];
}

/** Any API object on the wire. Specific kinds narrow spec/status through their own types. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  spec?: any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  status?: any;
  [key: string]: unknown;
}

export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  /** `name` for the Name column (kubectl needs it for `get all` prefixes). */
  format: string;
  description: string;
  /** 1: shown only with `-o wide`. */
  priority: 0 | 1;
}

/** Server settings that defaulting, validation and allocation read. */
export interface ApiConfig {
  /** e.g. 127.96.0.0/16 */
  serviceCIDR: string;
  /** e.g. { base: 30000, size: 2768 } for 30000-32767 */
  nodePortRange: { min: number; max: number };
  /** The API server's address and port as the `kubernetes` Service's endpoints. */
  advertiseAddress: string;
  securePort: number;
}

/** What a write hook may use. */
export interface WriteContext {
  store: Store;
  config: ApiConfig;
  /** dryRun=All: validate and compute everything, store and allocate nothing. */
  dryRun: boolean;
  now: Date;
}

/** Undoes an effect when the store write that followed it failed. */
export type Undo = () => Promise<void>;

export interface ResourceType<T extends KubeObject = KubeObject> {
  group: string; // '' for the core group
  version: string;
  kind: string;
  listKind: string;
  /** Plural, lower case: `services`. */
  resource: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  namespaced: boolean;
  /** Subresources served (besides the main resource). */
  subresources: ('status' | 'scale' | 'log' | 'exec' | 'binding' | 'attach' | 'portforward' | 'proxy' | 'token' | 'approval')[];
  /** metadata.generation starts at 1 and rises with every spec change (k8s strategies that
   *  track generation: deployments, replicasets, endpointslices, ...). */
  tracksGeneration?: boolean;
  /** A version served from another version's objects in the store (autoscaling/v1 HPAs from
   *  v2): converted on every read and write. */
  storedAs?: { fromStored(obj: KubeObject): T; toStored(obj: T): KubeObject };
  /** Verbs served on the main resource (discovery). */
  verbs: string[];
  /** Table columns and the cells of one row (same order). */
  columns: TableColumn[];
  row(obj: T, now: Date): unknown[];
  /** Field selector values beyond metadata.name and metadata.namespace. */
  selectableFields?(obj: T): Record<string, string>;
  /** Scheme defaulting, applied to every decoded object (create, update, patch result). */
  defaults?(obj: T): void;
  /** Strategy PrepareForCreate: clear or set fields the client may not set. */
  prepareForCreate?(obj: T): void;
  /** Strategy PrepareForUpdate: e.g. keep fields the client may not change. */
  prepareForUpdate?(obj: T, old: T): void;
  /** The strategy of a subresource write (after the generic one took only its part): e.g. a
   *  CSR's /status keeps the approval conditions, and conditions get their times. */
  prepareSubresource?(subresource: string, obj: T, old: T, now: Date): void;
  /** Strategy CheckGracefulDelete: whether a deleted object waits before it goes even without
   *  finalizers (a namespace while it is emptied, a pod on a node for its grace period); it may
   *  set the object's deletion timestamp, grace period and status. */
  checkGracefulDelete?(obj: T, opts: { gracePeriodSeconds?: number }, now: Date): boolean;
  /** Whether an object being deleted stays though no metadata.finalizers are left (a namespace
   *  until the namespace controller has emptied its spec.finalizers). */
  heldWhileDeleting?(obj: T): boolean;
  /** Validation after defaulting; `old` on update. Messages as Kubernetes words them. */
  validate?(obj: T, old?: T): FieldError[];
  /** Effects around a write (e.g. ClusterIP/NodePort allocation). They may mutate obj (fill in
   *  allocated values) and must throw StatusError (e.g. 422) to refuse. */
  beforeCreate?(obj: T, ctx: WriteContext): Promise<Undo | void>;
  beforeUpdate?(obj: T, old: T, ctx: WriteContext): Promise<Undo | void>;
  /** After a successful update (release what the update freed, e.g. a type change). */
  afterUpdate?(obj: T, old: T, ctx: WriteContext): Promise<void>;
  /** After the object is gone from the store (release allocations). */
  afterDelete?(old: T, ctx: WriteContext): Promise<void>;
}
