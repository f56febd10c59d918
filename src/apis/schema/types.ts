// The shape of every API type we serve, written once and used for: strict field validation
// (unknown fields), strategic merge patch and server-side apply (list types, merge keys),
// protobuf decoding (field numbers) and the OpenAPI documents kubectl reads.
//
// It mirrors the Go structs of k8s.io/api with their struct tags: `json` name, `protobuf` field
// number, `patchStrategy`/`patchMergeKey` and `+listType`/`+listMapKey` markers.

/** Leaf kinds. `int-or-string`, `quantity`, `time` and `micro-time` are k8s wrapper types that are scalars in
 *  JSON but messages in protobuf. `any` keeps whatever JSON it is given (RawExtension, or a
 *  subtree we accept without describing). */
export type ScalarType =
  | 'string'
  | 'int32'
  | 'int64'
  | 'boolean'
  | 'number'
  | 'int-or-string'
  | 'quantity'
  | 'time'
  | 'micro-time'
  | 'bytes'
  | 'any';

export interface ScalarSchema {
  type: ScalarType;
}

/** A Go struct. */
export interface ObjectSchema {
  type: 'object';
  /** Name of the Go type, e.g. `ServicePort` (for messages and OpenAPI). */
  name: string;
  /** OpenAPI package of the Go type, e.g. `io.k8s.api.core.v1` (schema names are `pkg.name`). */
  pkg?: string;
  fields: Record<string, FieldSchema>;
  /** `+structType=atomic`: server-side apply replaces it whole. */
  atomic?: boolean;
}

/** map[string]X. */
export interface MapSchema {
  type: 'map';
  values: Schema;
}

/** []X. */
export interface ListSchema {
  type: 'list';
  items: Schema;
  /** `+listType`: atomic (replaced whole), set (scalars, merged by value), map (merged by keys). */
  listType: 'atomic' | 'set' | 'map';
  /** `+listMapKey` (server-side apply), for listType map. */
  mapKeys?: string[];
  /** Struct tag `patchStrategy` (strategic merge patch): merge or replace (default replace). */
  patchStrategy?: 'merge' | 'replace' | 'merge,retainKeys';
  /** Struct tag `patchMergeKey`. */
  patchMergeKey?: string;
}

export type Schema = ScalarSchema | ObjectSchema | MapSchema | ListSchema;

export interface FieldSchema {
  /** A thunk allows recursive and forward-declared types. */
  schema: Schema | (() => Schema);
  /** Protobuf field number (from the `protobuf:"..."` struct tag). */
  proto?: number;
  /** Struct tag `patchStrategy` on an object field (e.g. `retainKeys` on DeploymentStrategy). */
  patchStrategy?: 'retainKeys' | 'merge' | 'replace' | 'merge,retainKeys';
  /** A Go pointer scalar (`*int32`, `*bool`, `*string`...): its zero value means something
   *  (`replicas: 0`), so protobuf decoding keeps a zero it finds on the wire. Value fields'
   *  zeros are dropped, as `omitempty` drops them in JSON. */
  pointer?: boolean;
  /** A Go embedded struct (`json:",inline"`, e.g. Probe's ProbeHandler): its fields belong to
   *  the parent in JSON, while protobuf carries it as a nested message numbered `proto`. */
  inline?: boolean;
  /** `+default=` of the Go field. Server-side apply needs it for list map keys an applied item
   *  omits (ServicePort and ContainerPort `protocol` default to "TCP"), as structured-merge-diff
   *  does. */
  default?: unknown;
}

/** Resolves a field's schema (thunks included). */
export function resolve(f: FieldSchema | Schema | (() => Schema)): Schema {
  if (typeof f === 'function') return f();
  if ('schema' in f) return typeof f.schema === 'function' ? f.schema() : f.schema;
  return f;
}
