// A Client whose lists and watch events carry slim records instead of API objects, so an
// Informer built on it caches only those (the informer needs nothing but metadata).

import type { KubeObject } from '../apis/types.js';
import type { Client, ListResult } from '../client/client.js';

export function slimClient(client: Client, slim: (obj: KubeObject) => KubeObject): Client {
  return {
    get: (r, ns, name) => client.get(r, ns, name),
    create: (r, ns, obj, opts) => client.create(r, ns, obj, opts),
    update: (r, ns, obj, opts) => client.update(r, ns, obj, opts),
    patch: (r, ns, name, type, body, opts) => client.patch(r, ns, name, type, body, opts),
    delete: (r, ns, name, opts) => client.delete(r, ns, name, opts),
    async list<T extends KubeObject>(...args: Parameters<Client['list']>): Promise<ListResult<T>> {
      const result = await client.list(...args);
      return { ...result, items: result.items.map(slim) as T[] };
    },
    watch: (r, ns, opts, cb) =>
      client.watch(r, ns, opts, { event: (type, obj) => cb.event(type, slim(obj) as never), end: (err) => cb.end(err) }),
  };
}
