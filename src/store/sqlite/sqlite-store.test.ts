import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeContract } from '../contract.js';
import { openSqliteStore } from './sqlite-store.js';

storeContract('sqlite :memory:', async () => {
  const store = await openSqliteStore(':memory:', { compactIntervalMs: 0 });
  return { store, close: () => store.close() };
});

storeContract('sqlite file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tinykube-store-'));
  const store = await openSqliteStore(join(dir, 'store.db'), { compactIntervalMs: 0 });
  return {
    store,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
