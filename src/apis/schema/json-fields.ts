// The JSON view of a Go struct: embedded (inline) structs lend their fields to the parent.

import type { FieldSchema, ObjectSchema } from './types.js';
import { resolve } from './types.js';

const cache = new WeakMap<ObjectSchema, Map<string, FieldSchema>>();

/** JSON name → field, with inline structs flattened. */
export function jsonFields(schema: ObjectSchema): Map<string, FieldSchema> {
  let fields = cache.get(schema);
  if (!fields) {
    fields = new Map();
    for (const [name, field] of Object.entries(schema.fields)) {
      const inner = resolve(field);
      if (field.inline && inner.type === 'object') for (const [n, f] of jsonFields(inner)) fields.set(n, f);
      else fields.set(name, field);
    }
    cache.set(schema, fields);
  }
  return fields;
}
