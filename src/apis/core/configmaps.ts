// ConfigMaps (core/v1): validation as ValidateConfigMap / ValidateConfigMapUpdate, printed as
// kubectl prints them (NAME, DATA, AGE).

import { field, type FieldError } from '../../util/status-errors.js';
import { age, ageColumn, column, defineResource, nameColumn, validateMeta } from '../descriptor.js';
import type { KubeObject } from '../types.js';
import { isDNS1123Subdomain } from '../../util/name-format.js';
import { decodedLength, MAX_DATA_SIZE, validateImmutableData, validateKeys } from './config-data.js';

export interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
  /** Values are base64 on the wire. */
  binaryData?: Record<string, string>;
  immutable?: boolean;
}

function validateConfigMapData(cm: ConfigMap): FieldError[] {
  const errs = [...validateKeys(cm.data, 'data'), ...validateKeys(cm.binaryData, 'binaryData')];
  for (const k of Object.keys(cm.binaryData ?? {}))
    if (cm.data && k in cm.data) errs.push(field.invalid(`binaryData[${k}]`, k, 'duplicate of key present in data'));
  let size = 0;
  for (const v of Object.values(cm.data ?? {})) size += Buffer.byteLength(v);
  for (const v of Object.values(cm.binaryData ?? {})) size += decodedLength(v);
  // The whole object is too long: Kubernetes names the root path, which prints as `[]`.
  if (size > MAX_DATA_SIZE) errs.push(field.tooLong('[]', MAX_DATA_SIZE));
  return errs;
}

export const configMaps = defineResource<ConfigMap>({
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  resource: 'configmaps',
  shortNames: ['cm'],
  namespaced: true,
  columns: [
    nameColumn(),
    column('Data', "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'."),
    ageColumn(),
  ],
  row: (cm, now) => [cm.metadata.name, Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length, age(cm, now)],
  validate: (cm, old) => [
    ...validateMeta(cm, old, { namespaced: true, validateName: isDNS1123Subdomain }),
    ...(old ? validateImmutableData(cm, old, ['data', 'binaryData']) : []),
    ...validateConfigMapData(cm),
  ],
});
