// Walking our Schema DSL alongside a JSON value: what describes the value under a key.
import { resolve, type FieldSchema, type ObjectSchema, type Schema } from '../../apis/schema/types.js';

export interface Child {
  /** Undefined for a key the schema does not describe: it is then treated as plain JSON. */
  schema?: Schema;
  /** The struct field (for its patchStrategy and default); undefined inside maps. */
  field?: FieldSchema;
}

export function child(schema: Schema | undefined, key: string): Child {
  if (schema?.type === 'object') {
    const field = structField(schema, key);
    return field ? { schema: resolve(field), field } : {};
  }
  if (schema?.type === 'map') return { schema: resolve(schema.values) };
  return {};
}

/** The element schema of a list, if the schema says the value is one. */
export function itemSchema(schema: Schema | undefined): Schema | undefined {
  return schema?.type === 'list' ? resolve(schema.items) : undefined;
}

/** A JSON key of a struct, looking through embedded (inline) structs as Go's JSON does. */
function structField(schema: ObjectSchema, key: string): FieldSchema | undefined {
  const direct = schema.fields[key];
  if (direct && !direct.inline) return direct;
  for (const f of Object.values(schema.fields)) {
    const embedded = f.inline ? resolve(f) : undefined;
    const found = embedded?.type === 'object' ? structField(embedded, key) : undefined;
    if (found) return found;
  }
  return undefined;
}
