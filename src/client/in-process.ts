// The Client for components in the API server's process: calls the REST storage directly
// (same defaulting, validation and admission as over HTTP, without a socket).

import type { KubeObject } from '../apis/types.js';
import { errors, StatusError } from '../util/status-errors.js';
import type { Resource } from '../api/registry.js';
import type { Rest } from '../api/rest/rest.js';
import { watch as restWatch } from '../api/rest/watch.js';
import { bindPod } from '../api/http/binding.js';
import type { RequestToken } from '../api/http/token-request.js';
import type { Client, DeleteOptions, ListOptions, ListResult, PatchOptions, PatchType, ResourceId, Watch, WatchCallbacks, WatchOptions, WriteOptions } from './client.js';

export class InProcessClient implements Client {
  /** `manager` names this component in managedFields; `requestToken` serves
   *  serviceaccounts/token (the API server's, for a kubelet). */
  constructor(
    private readonly rest: Rest,
    private readonly manager: string,
    private readonly requestToken?: RequestToken,
  ) {}

  private resource(r: ResourceId): Resource {
    const found = this.rest.registry.lookup(r.group, r.version, r.resource);
    if (!found) throw errors.noSuchPath();
    return found;
  }

  async get<T extends KubeObject>(r: ResourceId, namespace: string | undefined, name: string): Promise<T> {
    return (await this.rest.get(this.resource(r), namespace, name)) as T;
  }

  async list<T extends KubeObject>(r: ResourceId, namespace?: string, opts: ListOptions = {}): Promise<ListResult<T>> {
    const res = await this.rest.list(this.resource(r), namespace, opts);
    return { items: res.items as T[], resourceVersion: res.resourceVersion, ...(res.continue ? { continue: res.continue } : {}) };
  }

  async create<T extends KubeObject>(r: ResourceId, namespace: string | undefined, obj: KubeObject, opts: WriteOptions = {}): Promise<T> {
    if (opts.subresource === 'binding') {
      // A Binding names the pod in its metadata and the node in its target.
      const target = (obj as { target?: { name?: string } }).target?.name ?? '';
      return (await bindPod(this.rest, this.resource(r), namespace, obj.metadata.name!, target)) as T;
    }
    if (opts.subresource === 'token' && this.requestToken) return (await this.requestToken(namespace!, obj.metadata.name!, obj)) as T;
    if (opts.subresource) throw errors.methodNotAllowed();
    return (await this.rest.create(this.resource(r), namespace, obj, { fieldManager: opts.fieldManager ?? this.manager, dryRun: opts.dryRun })) as T;
  }

  async update<T extends KubeObject>(r: ResourceId, namespace: string | undefined, obj: KubeObject, opts: WriteOptions = {}): Promise<T> {
    return (await this.rest.update(this.resource(r), namespace, obj.metadata.name!, obj, {
      fieldManager: opts.fieldManager ?? this.manager,
      dryRun: opts.dryRun,
      subresource: opts.subresource,
    })) as T;
  }

  async patch<T extends KubeObject>(
    r: ResourceId,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    body: unknown,
    opts: PatchOptions = {},
  ): Promise<T> {
    const { object } = await this.rest.patch(this.resource(r), namespace, name, type, structuredClone(body), {
      fieldManager: opts.fieldManager ?? this.manager,
      dryRun: opts.dryRun,
      force: opts.force,
      subresource: opts.subresource,
    });
    return object as T;
  }

  async delete(r: ResourceId, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<void> {
    await this.rest.delete(this.resource(r), namespace, name, opts);
  }

  async watch<T extends KubeObject>(r: ResourceId, namespace: string | undefined, opts: WatchOptions, cb: WatchCallbacks<T>): Promise<Watch> {
    let ended = false;
    let handle: { cancel(): void } | undefined;
    handle = await restWatch(this.rest, this.resource(r), namespace, opts, {
      event: (type, obj) => {
        if (!ended) cb.event(type, obj as T);
      },
      error: (status) => {
        if (ended) return;
        ended = true;
        handle?.cancel();
        cb.end(new StatusError(status.code, (status.reason ?? 'InternalError') as never, status.message ?? ''));
      },
    });
    return {
      cancel: () => {
        ended = true;
        handle?.cancel();
      },
    };
  }
}
