// What ConfigMaps and Secrets share (pkg/apis/core/validation): their keys are file names in a
// volume, so they are config keys; their data together may not exceed 1 MiB; and once
// `immutable` is set neither the data nor the flag may change.

import { field, type FieldError } from '../../util/status-errors.js';
import { maxLenError, regexError } from '../../util/name-format.js';

/** api.MaxSecretSize, which ConfigMaps share. */
export const MAX_DATA_SIZE = 1024 * 1024;

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

/** validation.IsConfigMapKey: a name that is safe as a file name in a volume. */
export function isConfigMapKey(key: string): string[] {
  const errs: string[] = [];
  if (Buffer.byteLength(key) > 253) errs.push(maxLenError(253));
  if (!CONFIG_KEY.test(key))
    errs.push(
      regexError(
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
        '[-._a-zA-Z0-9]+',
        'key.name',
        'KEY_NAME',
        'key-name',
      ),
    );
  if (key === '.') errs.push("must not be '.'");
  else if (key === '..') errs.push("must not be '..'");
  else if (key.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

/** Every key of a data map, as `data[key]` paths. */
export function validateKeys(data: Record<string, unknown> | undefined, path: string): FieldError[] {
  return Object.keys(data ?? {}).flatMap((k) => isConfigMapKey(k).map((msg) => field.invalid(`${path}[${k}]`, k, msg)));
}

/** Once immutable, the named data fields and the flag itself stay as they were. */
export function validateImmutableData<T extends { immutable?: boolean }>(obj: T, old: T, dataFields: (keyof T & string)[]): FieldError[] {
  if (old.immutable !== true) return [];
  const errs: FieldError[] = [];
  if (obj.immutable !== true) errs.push(field.forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const f of dataFields)
    if (JSON.stringify(obj[f] ?? {}) !== JSON.stringify(old[f] ?? {})) errs.push(field.forbidden(f, 'field is immutable when `immutable` is set'));
  return errs;
}

/** Bytes of a base64 value (binaryData, Secret data). */
export const decodedLength = (b64: string): number => Buffer.from(b64, 'base64').length;
