// `tinykube migrate --from DIR --to http://a:2379[,http://b:2379] [--prefix /tinykube]`: copies
// the store of a SQLite data dir into etcd (src/store/migrate.ts). The data dir keeps what is
// not in the store — CA, serving certificate, token, kubeconfig — so the same data dir runs on
// etcd afterwards and every kubeconfig already handed out keeps working.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openEtcdStore } from '../store/etcd/etcd-store.js';
import { migrateStore } from '../store/migrate.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import { type Store, StoreError } from '../store/store.js';

const USAGE = 'usage: tinykube migrate --from DATA_DIR --to http://HOST:2379[,http://HOST:2379] [--prefix /tinykube]\n';
const quiet = { warn: () => {}, error: () => {} };

export async function migrateCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      prefix: { type: 'string', default: '/tinykube' },
    },
  });
  const endpoints = (values.to ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (!values.from || endpoints.length === 0) {
    process.stderr.write(USAGE);
    return 2;
  }
  const dataDir = values.from;
  const prefix = values.prefix!;
  const dbPath = join(dataDir, 'state.db');
  // Opening a missing file would create an empty store and "migrate" nothing.
  if (!existsSync(dbPath)) throw new Error(`${dbPath} not found: --from takes the data dir of a tinykube that ran on SQLite`);

  const opened: Store[] = [];
  try {
    const from = await openSqliteStore(dbPath, { compactIntervalMs: 0, busyTimeoutMs: 1_000, logger: quiet }).catch((err: unknown) => {
      throw new Error(`cannot open ${dbPath} (is a tinykube still running on ${dataDir}? stop it first): ${message(err)}`);
    });
    opened.push(from);
    const to = await openEtcdStore(endpoints, { prefix, compactIntervalMs: 0, logger: quiet });
    opened.push(to);
    const r = await migrateStore(from, to).catch((err: unknown) => {
      if (!(err instanceof StoreError && err.code === 'exists')) throw err;
      throw new Error(
        `etcd prefix "${prefix}" is in use (${err.message}); nothing was written. ` +
          `Migrate into an empty prefix (--prefix), or delete the old one first (etcdctl del --prefix ${prefix})`,
      );
    });
    process.stdout.write(
      `Copied ${r.keys} keys from ${dbPath} (revision ${r.sourceRevision}) to etcd ${endpoints.join(',')} under "${prefix}" (revision ${r.targetRevision}).\n` +
        `Objects keep their names, uids, timestamps and managedFields, and ClusterIP/NodePort reservations come along;\n` +
        `resourceVersions are now etcd's revisions, so clients re-list (informers and kubectl do so by themselves).\n\n` +
        `The data dir keeps its CA, token and kubeconfig; start on etcd with it:\n\n` +
        `  tinykube up --data-dir ${dataDir} --datastore-endpoint ${endpoints.join(',')} --datastore-prefix ${prefix}\n\n` +
        `${dbPath} is left as it was (a way back); do not start on it again once etcd has taken writes.\n`,
    );
    return 0;
  } finally {
    await Promise.all(opened.map((s) => s.close()));
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
