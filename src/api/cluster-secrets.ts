// What every API server of a cluster must share: the CA (certificate and key, so each server
// issues its own serving certificate that kubectl and agents trust), the admin token (in every
// server's kubeconfig) and the node token (agents join with it). The first server to start puts
// them into the store under one reserved key, outside any API resource (no API request can read
// it), as k3s keeps its bootstrap data in its datastore; the store's create-if-absent decides
// between servers starting at once. Every server writes them into its data dir: tls/ca.crt,
// tls/ca.key, token, node-token. A data dir that already has a CA and tokens (a cluster grown
// from one machine) offers them as the cluster's. With --encryption-provider-config they are
// encrypted as Secrets are (api/encryption-config.ts).

import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError, type Store } from '../store/store.js';
import { createCa, readCa, writeAtomic, writeCa } from './tls.js';

export const CLUSTER_SECRETS_KEY = '/registry/tinykube/cluster-secrets';

export interface ClusterSecrets {
  caCert: string;
  caKey: string;
  /** The bearer token of the admin kubeconfig. */
  adminToken: string;
  /** The bearer token agents join with (DATA_DIR/node-token). */
  nodeToken: string;
}

const readToken = (path: string): string | undefined => (existsSync(path) ? readFileSync(path, 'utf8').trim() || undefined : undefined);
const newToken = (): string => randomBytes(24).toString('hex');

/** The cluster's secrets: the stored ones, or (first server) this data dir's, stored now. */
export async function shareClusterSecrets(store: Store, dataDir: string): Promise<ClusterSecrets> {
  let secrets = await load(store);
  if (!secrets) {
    const ca = readCa(dataDir) ?? (await createCa());
    const offer: ClusterSecrets = {
      caCert: ca.cert,
      caKey: ca.key,
      adminToken: readToken(join(dataDir, 'token')) ?? newToken(),
      nodeToken: readToken(join(dataDir, 'node-token')) ?? newToken(),
    };
    try {
      await store.create(CLUSTER_SECRETS_KEY, JSON.stringify(offer));
      secrets = offer;
    } catch (e) {
      if (!(e instanceof StoreError && e.code === 'exists')) throw e;
      secrets = await load(store);
      if (!secrets) throw e;
    }
  }
  const local = readCa(dataDir);
  if (local?.cert !== secrets.caCert || local.key !== secrets.caKey) writeCa(dataDir, { cert: secrets.caCert, key: secrets.caKey });
  for (const [file, token] of [['token', secrets.adminToken], ['node-token', secrets.nodeToken]]) {
    if (readToken(join(dataDir, file)) !== token) writeAtomic(join(dataDir, file), token + '\n');
  }
  return secrets;
}

async function load(store: Store): Promise<ClusterSecrets | undefined> {
  const kv = await store.get(CLUSTER_SECRETS_KEY);
  // Stored under an encryption key that no longer writes (or before encryption was on):
  // rewritten now, so a rotation needs no step for them. Another server may do it first.
  if (kv?.stale) await store.update(CLUSTER_SECRETS_KEY, kv.value, kv.modRevision).catch((e: unknown) => {
    if (!(e instanceof StoreError && e.code === 'conflict')) throw e;
  });
  return kv ? (JSON.parse(kv.value) as ClusterSecrets) : undefined;
}
