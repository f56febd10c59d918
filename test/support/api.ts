// An in-process API (REST storage on an in-memory SQLite store, bootstrapped like `up`) for
// tests of components that talk to the API through a Client. The store group-commits, as `up`'s
// and `server`'s do: a write is answered after its turn of the loop's commit, not at once.

import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { Rest } from '../../src/api/rest/rest.js';
import { defaultRegistry } from '../../src/api/registry.js';
import { bootstrap } from '../../src/api/bootstrap.js';
import type { ApiConfig } from '../../src/apis/types.js';
import type { Store } from '../../src/store/store.js';
import { InProcessClient } from '../../src/client/in-process.js';

export interface TestApi {
  store: Store;
  rest: Rest;
  config: ApiConfig;
  client(manager?: string): InProcessClient;
  close(): Promise<void>;
}

export async function startTestApi(config: Partial<ApiConfig> = {}): Promise<TestApi> {
  const store = await openSqliteStore(':memory:', { compactIntervalMs: 0, groupCommit: true });
  const full: ApiConfig = {
    serviceCIDR: '127.96.0.0/16',
    nodePortRange: { min: 30000, max: 32767 },
    advertiseAddress: '127.0.0.1',
    securePort: 6443,
    ...config,
  };
  const rest = new Rest(store, defaultRegistry(), full);
  await bootstrap(rest, full);
  return {
    store,
    rest,
    config: full,
    client: (manager = 'test') => new InProcessClient(rest, manager),
    close: () => store.close(),
  };
}
