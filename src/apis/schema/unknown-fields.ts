// Strict field validation: the paths of fields a schema does not know, worded as the
// Kubernetes strict decoder words them (`spec.ports[0].bogus`, `metadata.labelz`).

import { jsonFields } from './json-fields.js';
import type { ObjectSchema, Schema } from './types.js';
import { resolve } from './types.js';

/** TypeMeta: every top-level object may carry these. */
const TYPE_META = new Set(['apiVersion', 'kind']);

export function unknownFields(obj: unknown, schema: ObjectSchema): string[] {
  const found: string[] = [];
  if (isRecord(obj)) {
    for (const key of Object.keys(obj)) {
      if (TYPE_META.has(key) && !jsonFields(schema).has(key)) continue;
      visitField(obj, key, schema, '', found);
    }
  }
  return found;
}

function visit(value: unknown, schema: Schema, path: string, found: string[]): void {
  // Values of the wrong shape are left to type checking; `null` means "not set".
  switch (schema.type) {
    case 'object':
      if (isRecord(value)) for (const key of Object.keys(value)) visitField(value, key, schema, path, found);
      return;
    case 'list':
      if (Array.isArray(value)) value.forEach((item, i) => visit(item, schema.items, `${path}[${i}]`, found));
      return;
    case 'map':
      if (isRecord(value)) for (const [k, v] of Object.entries(value)) visit(v, schema.values, `${path}.${k}`, found);
      return;
    default:
      return; // scalars, and `any` whose content is not checked
  }
}

function visitField(obj: Record<string, unknown>, key: string, schema: ObjectSchema, path: string, found: string[]): void {
  const child = path ? `${path}.${key}` : key;
  const field = jsonFields(schema).get(key);
  if (!field) found.push(child);
  else visit(obj[key], resolve(field), child, found);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
