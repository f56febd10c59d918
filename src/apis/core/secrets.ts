// Secrets (core/v1): `stringData` folded into `data` (as the v1 conversion does, so it is never
// stored), type Opaque by default, validation as ValidateSecret / ValidateSecretUpdate with the
// keys each built-in type requires; printed as NAME, TYPE, DATA, AGE.

import { field, type FieldError } from '../../util/status-errors.js';
import { age, ageColumn, column, defineResource, nameColumn, validateMeta } from '../descriptor.js';
import type { KubeObject } from '../types.js';
import { validateImmutable } from '../validation/meta.js';
import { isDNS1123Subdomain } from '../../util/name-format.js';
import { decodedLength, MAX_DATA_SIZE, validateImmutableData, validateKeys } from './config-data.js';

export interface Secret extends KubeObject {
  /** Values are base64 on the wire. */
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  type?: string;
  immutable?: boolean;
}

export const SECRET_TYPE_SERVICE_ACCOUNT_TOKEN = 'kubernetes.io/service-account-token';
const SERVICE_ACCOUNT_NAME_KEY = 'kubernetes.io/service-account.name';

/** Keys that must be present for a type: all of them, or (basic-auth) at least one. */
const REQUIRED_KEYS: Record<string, { keys: string[]; any?: boolean; json?: boolean }> = {
  'kubernetes.io/dockercfg': { keys: ['.dockercfg'], json: true },
  'kubernetes.io/dockerconfigjson': { keys: ['.dockerconfigjson'], json: true },
  'kubernetes.io/basic-auth': { keys: ['username', 'password'], any: true },
  'kubernetes.io/ssh-auth': { keys: ['ssh-privatekey'] },
  'kubernetes.io/tls': { keys: ['tls.crt', 'tls.key'] },
};

function validateType(s: Secret): FieldError[] {
  const data = s.data ?? {};
  if (s.type === SECRET_TYPE_SERVICE_ACCOUNT_TOKEN)
    return s.metadata.annotations?.[SERVICE_ACCOUNT_NAME_KEY] ? [] : [field.required(`metadata.annotations[${SERVICE_ACCOUNT_NAME_KEY}]`)];
  const need = REQUIRED_KEYS[s.type ?? ''];
  if (!need) return [];
  const missing = need.keys.filter((k) => !(k in data));
  if (need.any ? missing.length === need.keys.length : missing.length > 0) return missing.map((k) => field.required(`data[${k}]`));
  if (need.json) {
    const k = need.keys[0];
    try {
      JSON.parse(Buffer.from(data[k], 'base64').toString('utf8'));
    } catch (err) {
      return [field.invalid(`data[${k}]`, '<secret contents redacted>', (err as Error).message)];
    }
  }
  return [];
}

function validateSecret(s: Secret): FieldError[] {
  const errs = validateKeys(s.data, 'data');
  const size = Object.values(s.data ?? {}).reduce((n, v) => n + decodedLength(v), 0);
  if (size > MAX_DATA_SIZE) errs.push(field.tooLong('data', MAX_DATA_SIZE));
  return [...errs, ...validateType(s)];
}

export const secrets = defineResource<Secret>({
  group: '',
  version: 'v1',
  kind: 'Secret',
  resource: 'secrets',
  namespaced: true,
  columns: [
    nameColumn(),
    column('Type', 'Used to facilitate programmatic handling of secret data.'),
    column('Data', 'Data contains the secret data.'),
    ageColumn(),
  ],
  row: (s, now) => [s.metadata.name, s.type ?? '', Object.keys(s.data ?? {}).length, age(s, now)],
  selectableFields: (s) => ({ type: s.type ?? '' }),
  defaults(s) {
    if (s.stringData) {
      s.data ??= {};
      for (const [k, v] of Object.entries(s.stringData)) s.data[k] = Buffer.from(v, 'utf8').toString('base64');
      delete s.stringData;
    }
    s.type ||= 'Opaque';
  },
  validate: (s, old) => [
    ...validateMeta(s, old, { namespaced: true, validateName: isDNS1123Subdomain }),
    ...(old ? [...validateImmutable(s.type, old.type, 'type'), ...validateImmutableData(s, old, ['data'])] : []),
    ...validateSecret(s),
  ],
});
