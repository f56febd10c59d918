// fieldValidation=Strict|Warn|Ignore: what happens to fields the schema does not know. In
// every mode they are dropped (Kubernetes decodes into typed structs, so they never reach
// storage); Strict refuses the request instead, Warn reports them as warnings.

import type { KubeObject } from '../../apis/types.js';
import { unknownFields } from '../../apis/schema/unknown-fields.js';
import { errors } from '../../util/status-errors.js';
import type { Resource } from '../registry.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function parseFieldValidation(v: string | null): FieldValidation {
  if (v === null || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw errors.badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict": got "${v}"`);
}

/** Drops unknown fields from obj (in place); throws 400 under Strict; returns warnings. */
export function checkFields(r: Resource, obj: KubeObject, mode: FieldValidation): string[] {
  const unknown = unknownFields(obj, r.schema);
  if (!unknown.length) return [];
  const messages = unknown.map((p) => `unknown field "${p}"`);
  if (mode === 'Strict') throw errors.badRequest(`strict decoding error: ${messages.join(', ')}`);
  for (const path of unknown) removePath(obj, path);
  return mode === 'Warn' ? messages : [];
}

/** Removes `a.b[2].c` from a JSON value. */
function removePath(root: unknown, path: string): void {
  const steps = [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]));
  let node: unknown = root;
  for (const step of steps.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return;
    node = (node as Record<string | number, unknown>)[step];
  }
  const last = steps[steps.length - 1];
  if (node !== null && typeof node === 'object' && !Array.isArray(node)) delete (node as Record<string, unknown>)[last as string];
}
