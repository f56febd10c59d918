// Plain JSON helpers shared by the patch and apply code. Inputs are never mutated: callers
// clone first and then edit their private copy.
import { badPatch } from './patch-errors.js';

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function clone<T>(v: T): T {
  return v === undefined ? v : structuredClone(v);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

/** The body must decode into a JSON object, as every patch of a Kubernetes object does. */
export function requireObject(v: unknown): JsonObject {
  if (isObject(v)) return v;
  const kind = Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
  throw badPatch(`json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`);
}

/** A value printed as Go's %v prints decoded JSON (`map[name:a port:80]`), for error messages. */
export function goFormat(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`;
  if (isObject(v)) {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${goFormat(v[k])}`).join(' ')}]`;
  }
  return v === null || v === undefined ? '<nil>' : String(v);
}
