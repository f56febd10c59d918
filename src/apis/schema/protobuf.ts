// Decoding Kubernetes protobuf request bodies (kubectl 1.32's typed `create namespace|service|
// deployment` send them) into the JSON form the rest of the server works with.
//
// A body is the magic `k8s\0` followed by a runtime.Unknown {1 typeMeta {1 apiVersion, 2 kind},
// 2 raw, 3 contentEncoding, 4 contentType}; `raw` is the object as its generated.proto message,
// read here by field number with the schemas. Go marshals every value field, so zeros crowd the
// wire: they are dropped as `omitempty` drops them in JSON, except in pointer fields, where a
// zero that is present was set on purpose (`replicas: 0`).

import protobuf from 'protobufjs/minimal.js';
import { errors, StatusError } from '../../util/status-errors.js';
import { schemaFor } from './index.js';
import type { FieldSchema, ObjectSchema, ScalarSchema, Schema } from './types.js';
import { resolve } from './types.js';

const { Reader } = protobuf;
type Reader = protobuf.Reader;

const MAGIC = [0x6b, 0x38, 0x73, 0x00]; // "k8s\0"

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;

export interface DecodedObject {
  apiVersion: string;
  kind: string;
  object: Record<string, unknown>;
}

export function decodeProtobuf(body: Uint8Array): DecodedObject {
  if (body.length < MAGIC.length || MAGIC.some((b, i) => body[i] !== b)) {
    throw errors.badRequest('the object provided is unrecognized: missing the protobuf "k8s\\x00" prefix');
  }
  try {
    const unknown = decodeUnknown(body.subarray(MAGIC.length));
    if (unknown.contentEncoding) {
      throw errors.badRequest(`unsupported protobuf content encoding "${unknown.contentEncoding}"`);
    }
    const schema = schemaFor(unknown.apiVersion, unknown.kind);
    if (!schema) {
      throw errors.badRequest(`no kind "${unknown.kind}" is registered for version "${unknown.apiVersion}"`);
    }
    const fields = decodeMessage(unknown.raw, schema, '');
    return { apiVersion: unknown.apiVersion, kind: unknown.kind, object: { apiVersion: unknown.apiVersion, kind: unknown.kind, ...fields } };
  } catch (e) {
    if (e instanceof StatusError) throw e;
    // protobufjs throws RangeError ("index out of range") on truncated input.
    throw errors.badRequest(`the object provided is unrecognized: ${(e as Error).message}`);
  }
}

interface Unknown {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
}

function decodeUnknown(bytes: Uint8Array): Unknown {
  const out: Unknown = { apiVersion: '', kind: '', raw: new Uint8Array(), contentEncoding: '' };
  readFields(bytes, (r, field, wire) => {
    if (field === 1 && wire === WIRE_BYTES) {
      readFields(r.bytes(), (t, f, w) => {
        if (f === 1 && w === WIRE_BYTES) out.apiVersion = t.string();
        else if (f === 2 && w === WIRE_BYTES) out.kind = t.string();
        else t.skipType(w);
      });
    } else if (field === 2 && wire === WIRE_BYTES) out.raw = r.bytes();
    else if (field === 3 && wire === WIRE_BYTES) out.contentEncoding = r.string();
    else r.skipType(wire);
  });
  return out;
}

/** Calls `onField` for each field of a message; it must consume the field's value. */
function readFields(bytes: Uint8Array, onField: (r: Reader, field: number, wire: number) => void): void {
  const r = Reader.create(bytes);
  while (r.pos < r.len) {
    const tag = r.uint32();
    onField(r, tag >>> 3, tag & 7);
  }
}

const byNumber = new WeakMap<ObjectSchema, Map<number, [string, FieldSchema]>>();

function fieldsByNumber(schema: ObjectSchema): Map<number, [string, FieldSchema]> {
  let m = byNumber.get(schema);
  if (!m) {
    m = new Map();
    for (const [name, f] of Object.entries(schema.fields)) if (f.proto !== undefined) m.set(f.proto, [name, f]);
    byNumber.set(schema, m);
  }
  return m;
}

function decodeMessage(bytes: Uint8Array, schema: ObjectSchema, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const fields = fieldsByNumber(schema);
  readFields(bytes, (r, number, wire) => {
    const entry = fields.get(number);
    if (!entry) return void r.skipType(wire); // a field newer than our schemas, as gogo skips it
    const [name, field] = entry;
    const s = resolve(field);
    const at = path ? `${path}.${name}` : name;
    switch (s.type) {
      case 'object': {
        expectWire(wire, WIRE_BYTES, at);
        const inner = decodeMessage(r.bytes(), s, at);
        if (field.inline) Object.assign(out, inner);
        else out[name] = inner;
        return;
      }
      case 'list': {
        const list = (out[name] ??= []) as unknown[];
        const item = s.items;
        if (item.type !== 'object' && item.type !== 'list' && item.type !== 'map' && wire === WIRE_BYTES && isPackable(item)) {
          const packed = Reader.create(r.bytes());
          while (packed.pos < packed.len) list.push(readScalar(packed, item, wireOf(item), at));
        } else list.push(readValue(r, wire, item, at));
        return;
      }
      case 'map': {
        expectWire(wire, WIRE_BYTES, at);
        const map = (out[name] ??= {}) as Record<string, unknown>;
        let key = '';
        let value: unknown;
        readFields(r.bytes(), (e, f, w) => {
          if (f === 1 && w === WIRE_BYTES) key = e.string();
          else if (f === 2) value = readValue(e, w, s.values, `${at}.${key}`);
          else e.skipType(w);
        });
        map[key] = value ?? (s.values.type === 'object' ? {} : '');
        return;
      }
      default: {
        const value = readScalar(r, s, wire, at);
        if (value !== undefined && (field.pointer || !isZero(value))) out[name] = value;
      }
    }
  });
  return out;
}

function readValue(r: Reader, wire: number, s: Schema, path: string): unknown {
  switch (s.type) {
    case 'object':
      expectWire(wire, WIRE_BYTES, path);
      return decodeMessage(r.bytes(), s, path);
    case 'list':
    case 'map':
      throw errors.badRequest(`protobuf: nested collections are not supported at ${path}`);
    default:
      return readScalar(r, s, wire, path);
  }
}

/** Reads one scalar; undefined for a zero time (null in JSON). */
function readScalar(r: Reader, s: ScalarSchema, wire: number, path: string): unknown {
  expectWire(wire, wireOf(s), path);
  switch (s.type) {
    case 'string':
      return r.string();
    case 'bytes':
      return Buffer.from(r.bytes()).toString('base64');
    case 'int32':
      return r.int32();
    case 'int64':
      return readInt64(r);
    case 'boolean':
      return r.bool();
    case 'number':
      return r.double();
    case 'int-or-string':
      return readIntOrString(r.bytes());
    case 'quantity':
      return readQuantity(r.bytes());
    case 'time':
      return readTime(r.bytes(), false);
    case 'micro-time':
      return readTime(r.bytes(), true);
    case 'any':
      return readRaw(r.bytes(), path);
  }
}

function wireOf(s: ScalarSchema): number {
  switch (s.type) {
    case 'int32':
    case 'int64':
    case 'boolean':
      return WIRE_VARINT;
    case 'number':
      return WIRE_FIXED64;
    default:
      return WIRE_BYTES;
  }
}

function isPackable(s: ScalarSchema): boolean {
  return wireOf(s) !== WIRE_BYTES;
}

function expectWire(got: number, want: number, path: string): void {
  if (got !== want) throw errors.badRequest(`the object provided is unrecognized: wrong wire type ${got} for ${path}`);
}

/** intstr.IntOrString {1 type (0 int, 1 string), 2 intVal, 3 strVal}. */
function readIntOrString(bytes: Uint8Array): number | string {
  let type = 0;
  let intVal = 0;
  let strVal = '';
  readFields(bytes, (r, f, w) => {
    if (f === 1 && w === WIRE_VARINT) type = readInt64(r);
    else if (f === 2 && w === WIRE_VARINT) intVal = r.int32();
    else if (f === 3 && w === WIRE_BYTES) strVal = r.string();
    else r.skipType(w);
  });
  return type === 1 ? strVal : intVal;
}

/** resource.Quantity {1 string}. */
function readQuantity(bytes: Uint8Array): string {
  let s = '';
  readFields(bytes, (r, f, w) => {
    if (f === 1 && w === WIRE_BYTES) s = r.string();
    else r.skipType(w);
  });
  return s;
}

/** meta.v1.Time / MicroTime {1 seconds, 2 nanos} as RFC 3339 (seconds, or microseconds for
 *  MicroTime, as they marshal to JSON); the zero time is absent. */
function readTime(bytes: Uint8Array, micro: boolean): string | undefined {
  let seconds = 0;
  let nanos = 0;
  readFields(bytes, (r, f, w) => {
    if (f === 1 && w === WIRE_VARINT) seconds = readInt64(r);
    else if (f === 2 && w === WIRE_VARINT) nanos = r.int32();
    else r.skipType(w);
  });
  if (seconds === 0 && nanos === 0) return undefined;
  const iso = new Date(seconds * 1000).toISOString().slice(0, 19);
  return micro ? `${iso}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z` : `${iso}Z`;
}

/** RawExtension and FieldsV1 are {1 raw} holding JSON. Subtrees we accept as `any` without
 *  describing them cannot be read from protobuf: say so rather than drop them. */
function readRaw(bytes: Uint8Array, path: string): unknown {
  let raw: Uint8Array | undefined;
  readFields(bytes, (r, f, w) => {
    if (f === 1 && w === WIRE_BYTES) raw = r.bytes();
    else r.skipType(w);
  });
  try {
    return raw === undefined ? {} : JSON.parse(Buffer.from(raw).toString('utf8'));
  } catch {
    throw errors.badRequest(`protobuf decoding of ${path} is not supported; send the object as JSON`);
  }
}

/** int64 as a JS number (Kubernetes' int64s stay far below 2^53). */
function readInt64(r: Reader): number {
  return protobuf.util.LongBits.from(r.int64()).toNumber();
}

function isZero(v: unknown): boolean {
  return v === '' || v === 0 || v === false;
}
