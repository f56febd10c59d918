// --encryption-provider-config: an apiserver.config.k8s.io/v1 EncryptionConfiguration, read
// into the store's encryption rules (src/store/encryption/). Each `resources` entry names
// resources as kube-apiserver does (`secrets`, `deployments.apps`, `*.apps`, `*.` for the core
// group, `*.*` for all); a resource belongs to the first entry naming it. The providers are
// aescbc, aesgcm and identity; the first writes, every one reads. The cluster's own CA key and
// tokens (CLUSTER_SECRETS_KEY) are encrypted as Secrets are.

import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { aesTransformer, identityTransformer, TransformerChain, type ProviderKind, type ValueTransformer } from '../store/encryption/providers.js';
import type { EncryptionRule } from '../store/encryption/encrypting-store.js';
import { CLUSTER_SECRETS_KEY } from './cluster-secrets.js';
import type { Resource } from './registry.js';

interface ProviderConfig {
  aescbc?: { keys?: { name?: string; secret?: string }[] };
  aesgcm?: { keys?: { name?: string; secret?: string }[] };
  identity?: object;
  [other: string]: unknown;
}

interface EncryptionConfiguration {
  apiVersion?: string;
  kind?: string;
  resources?: { resources?: string[]; providers?: ProviderConfig[] }[];
}

export function readEncryptionConfig(path: string, resources: Resource[]): EncryptionRule[] {
  try {
    return encryptionRules(parse(readFileSync(path, 'utf8')) as EncryptionConfiguration, resources);
  } catch (e) {
    throw new Error(`--encryption-provider-config ${path}: ${(e as Error).message}`);
  }
}

/** The rules for a parsed EncryptionConfiguration (pure). */
export function encryptionRules(config: EncryptionConfiguration, resources: Resource[]): EncryptionRule[] {
  if (config?.kind !== 'EncryptionConfiguration' || config.apiVersion !== 'apiserver.config.k8s.io/v1') {
    throw new Error('not an apiserver.config.k8s.io/v1 EncryptionConfiguration');
  }
  const rules: EncryptionRule[] = [];
  const taken = new Set<Resource>();
  for (const [i, entry] of (config.resources ?? []).entries()) {
    const chain = new TransformerChain((entry.providers ?? []).flatMap((p, j) => providers(p, `resources[${i}].providers[${j}]`)));
    for (const name of entry.resources ?? []) {
      const matched = resources.filter((r) => matches(name, r) && !taken.has(r));
      for (const r of matched) {
        taken.add(r);
        rules.push({ prefix: `${r.keyPrefix}/`, chain });
        if (r.type.resource === 'secrets' && !r.type.group) rules.push({ prefix: CLUSTER_SECRETS_KEY, chain });
      }
    }
  }
  return rules;
}

function matches(name: string, r: Resource): boolean {
  const [resource, group = ''] = name.split(/\.(.*)/s);
  if (resource === '*') return group === '*' || group === r.type.group;
  return resource === r.type.resource && group === r.type.group;
}

function providers(p: ProviderConfig, field: string): ValueTransformer[] {
  const kinds = Object.keys(p);
  if (kinds.length !== 1) throw new Error(`${field}: exactly one provider per item (have ${kinds.join(', ') || 'none'})`);
  const kind = kinds[0]!;
  if (kind === 'identity') return [identityTransformer];
  if (kind !== 'aescbc' && kind !== 'aesgcm') throw new Error(`${field}: provider "${kind}" is not supported (aescbc, aesgcm, identity)`);
  const keys = p[kind]?.keys ?? [];
  if (!keys.length) throw new Error(`${field}.${kind}.keys: at least one key is required`);
  return keys.map((k, i) => {
    if (!k.name || !k.secret) throw new Error(`${field}.${kind}.keys[${i}]: name and secret are required`);
    return aesTransformer(kind as ProviderKind, k.name, Buffer.from(k.secret, 'base64'));
  });
}
