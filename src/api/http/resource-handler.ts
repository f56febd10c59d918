// HTTP adapter for resource requests: query parameters and bodies in, Rest calls, objects,
// lists, Tables and watch streams out.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../../apis/types.js';
import { errors } from '../../util/status-errors.js';
import type { Registry, Resource } from '../registry.js';
import type { ResourceRequest } from '../request-info.js';
import type { Rest, Admit, DeleteOptions, ListOptions, WriteOptions } from '../rest/rest.js';
import type { UserInfo } from '../auth/authenticate.js';
import { patchTypeOf } from '../rest/patch.js';
import { parseFieldValidation } from '../rest/field-validation.js';
import { watch } from '../rest/watch.js';
import { makePredicate } from '../rest/filter.js';
import { sharedLine } from '../rest/shared-event.js';
import { toTable, type IncludeObject } from '../table.js';
import { negotiate, type ResponseShape } from './negotiate.js';
import { readBody, decodeBody, mediaType } from './body.js';
import { sendJson, setWarnings, toStatusError } from './respond.js';

/** A subresource served by code outside the generic flow (scale, binding, log, exec, ...). */
export type SubresourceHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  info: ResourceRequest,
  r: Resource,
  url: URL,
) => Promise<void>;

/** Resources whose content is computed, not stored (componentstatuses, tokenreviews). */
export interface VirtualResource {
  /** The objects of one namespace (namespaced resources asked for one), or all. */
  list(namespace?: string): KubeObject[] | Promise<KubeObject[]>;
  /** The answer to a create (a review), stored nowhere; `user` is who asks. */
  create?(obj: KubeObject, user: UserInfo, namespace?: string): KubeObject | Promise<KubeObject>;
  /** Sent as a Warning header with every answer (e.g. a deprecation). */
  warning?: string;
}

export interface ResourceHandlerDeps {
  rest: Rest;
  registry: Registry;
  subresources: Map<string, SubresourceHandler>;
  /** By `resource` (core) or `resource.group`. */
  virtual: Map<string, VirtualResource>;
  now: () => Date;
  watchLimits: WatchLimits;
  /** Told when a watcher too slow to read its events is closed. */
  onSlowWatcher(resource: string, pendingBytes: number): void;
}

/** How long a watch lasts and how far its reader may fall behind, as kube-apiserver bounds them. */
export interface WatchLimits {
  /** A watch without timeoutSeconds ends after a random time between this and twice this
   *  (kube-apiserver's --min-request-timeout, 1800 s), so watchers re-balance over servers. */
  minTimeoutSeconds: number;
  /** Bytes of live events a watch may have waiting for its reader (beyond its initial events).
   *  Past it the watch is closed, as the apiserver closes a watcher whose buffer stays full;
   *  the client resumes from its last resourceVersion, or re-lists after 410. */
  bufferBytes: number;
}

export const DEFAULT_WATCH_LIMITS: WatchLimits = { minTimeoutSeconds: 1800, bufferBytes: 1 << 20 };

const WRITE_SUBRESOURCES = new Set(['status', 'finalize', 'approval']);

/** Who asks, and the admission their writes go through. */
export interface RequestContext {
  user: UserInfo;
  admit?: Admit;
}

export async function handleResource(
  deps: ResourceHandlerDeps,
  req: IncomingMessage,
  res: ServerResponse,
  info: ResourceRequest,
  url: URL,
  ctx: RequestContext,
): Promise<void> {
  const r = deps.registry.lookup(info.group, info.version, info.resource);
  if (!r) throw errors.noSuchPath();
  if (!r.type.namespaced && info.namespace !== undefined) throw errors.noSuchPath();

  if (info.subresource) {
    const special = deps.subresources.get(`${r.type.resource}/${info.subresource}`);
    if (special) return special(req, res, info, r, url);
    const known = WRITE_SUBRESOURCES.has(info.subresource) && (r.type.subresources.includes(info.subresource as 'status') || (info.subresource === 'finalize' && r.type.resource === 'namespaces'));
    if (!known) throw errors.noSuchPath();
  }

  const virtual = deps.virtual.get(r.type.group ? `${r.type.resource}.${r.type.group}` : r.type.resource);
  if (virtual) return handleVirtual(deps, req, res, info, r, virtual, ctx.user);

  const q = url.searchParams;
  const shape = negotiate(req.headers.accept);
  const ns = r.type.namespaced ? info.namespace : undefined;
  const warnings: string[] = [];
  const writeOpts = (): WriteOptions => ({
    dryRun: dryRun(q),
    fieldManager: q.get('fieldManager') || managerFromUserAgent(req.headers['user-agent']),
    fieldValidation: parseFieldValidation(q.get('fieldValidation')),
    warnings,
    admit: ctx.admit,
  });

  switch (info.verb) {
    case 'get': {
      if (info.subresource === 'finalize') throw errors.methodNotAllowed();
      const obj = await deps.rest.get(r, ns, info.name!);
      return sendObject(res, r, obj, shape, deps.now(), q);
    }
    case 'list':
      return sendList(res, r, await deps.rest.list(r, ns, listOptions(q)), shape, deps.now(), q);
    case 'watch':
      return serveWatch(deps, req, res, r, ns, info, q, shape);
    case 'create': {
      if (info.name) throw errors.methodNotAllowed();
      const body = await objectBody(req, r);
      const created = await deps.rest.create(r, ns, body, writeOpts());
      setWarnings(res, warnings);
      return sendJson(res, 201, created);
    }
    case 'update': {
      const body = await objectBody(req, r);
      const updated = await deps.rest.update(r, ns, info.name!, body, { ...writeOpts(), subresource: info.subresource });
      setWarnings(res, warnings);
      return sendJson(res, 200, updated);
    }
    case 'patch': {
      const type = patchTypeOf(req.headers['content-type']);
      if (!type) throw errors.unsupportedMediaType(req.headers['content-type'] ?? '');
      const body = decodeBody(await readBody(req), mediaType(req));
      const force = q.get('force') === 'true';
      if (force && type !== 'apply') throw errors.badRequest('force is only allowed for apply patches');
      const opts = writeOpts();
      if (type === 'apply' && !q.get('fieldManager')) opts.fieldManager = undefined;
      const { object, created } = await deps.rest.patch(r, ns, info.name!, type, body, { ...opts, force, subresource: info.subresource });
      setWarnings(res, warnings);
      return sendJson(res, created ? 201 : 200, object);
    }
    case 'delete': {
      const opts = { ...(await deleteOptions(req, q)), admit: ctx.admit };
      const { object, deleted } = await deps.rest.delete(r, ns, info.name!, opts);
      return sendJson(res, deleted ? 200 : 202, object);
    }
    case 'deletecollection': {
      const opts = { ...(await deleteOptions(req, q)), admit: ctx.admit };
      const items = await deps.rest.deleteCollection(r, ns, listOptions(q), opts);
      return sendJson(res, 200, { kind: r.type.listKind, apiVersion: r.apiVersion, metadata: {}, items });
    }
    default:
      throw errors.methodNotAllowed();
  }
}

function dryRun(q: URLSearchParams): boolean {
  const values = q.getAll('dryRun');
  for (const v of values) if (v !== 'All') throw errors.badRequest(`unsupported dry run option: ${v}`);
  return values.length > 0;
}

/** The apiserver's default field manager: the user agent up to its first `/`. */
function managerFromUserAgent(ua: string | undefined): string {
  return (ua ?? 'unknown').split('/')[0].slice(0, 128) || 'unknown';
}

function listOptions(q: URLSearchParams): ListOptions {
  const limit = q.get('limit');
  return {
    labelSelector: q.get('labelSelector') ?? undefined,
    fieldSelector: q.get('fieldSelector') ?? undefined,
    limit: limit ? Number(limit) : undefined,
    continue: q.get('continue') ?? undefined,
    resourceVersion: q.get('resourceVersion') ?? undefined,
  };
}

async function objectBody(req: IncomingMessage, r: Resource): Promise<KubeObject> {
  const body = decodeBody(await readBody(req), mediaType(req));
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw errors.badRequest('Object \'Kind\' is missing in request body');
  }
  const obj = body as KubeObject;
  if (obj.apiVersion && obj.apiVersion !== r.apiVersion) {
    throw errors.badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${r.apiVersion})`);
  }
  if (obj.kind && obj.kind !== r.type.kind) {
    throw errors.badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${r.type.kind})`);
  }
  obj.metadata ??= {};
  return obj;
}

async function deleteOptions(req: IncomingMessage, q: URLSearchParams): Promise<DeleteOptions> {
  const raw = await readBody(req);
  const body = (raw.length ? decodeBody(raw, mediaType(req)) : {}) as DeleteOptions & { dryRun?: string[] };
  const grace = q.get('gracePeriodSeconds');
  const policy = q.get('propagationPolicy') ?? body.propagationPolicy;
  if (policy && !['Orphan', 'Background', 'Foreground'].includes(policy)) {
    throw errors.invalid('DeleteOptions', 'meta.k8s.io', '', [
      { type: 'FieldValueNotSupported', field: 'propagationPolicy', message: `Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan", "nil"` },
    ]);
  }
  return {
    dryRun: dryRun(q) || (Array.isArray(body.dryRun) && body.dryRun.includes('All')),
    gracePeriodSeconds: grace !== null ? Number(grace) : body.gracePeriodSeconds,
    propagationPolicy: policy as DeleteOptions['propagationPolicy'],
    preconditions: body.preconditions,
  };
}

function includeObject(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

const TABLE_TYPE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

function sendObject(res: ServerResponse, r: Resource, obj: KubeObject, shape: ResponseShape, now: Date, q: URLSearchParams): void {
  if (shape === 'table') {
    return sendJson(res, 200, toTable(r, [obj], { resourceVersion: obj.metadata.resourceVersion }, includeObject(q), now), TABLE_TYPE);
  }
  if (shape === 'metadata') return sendJson(res, 200, partial(obj));
  sendJson(res, 200, obj);
}

function sendList(
  res: ServerResponse,
  r: Resource,
  list: { items: KubeObject[]; resourceVersion: string; continue?: string; remainingItemCount?: number },
  shape: ResponseShape,
  now: Date,
  q: URLSearchParams,
): void {
  const meta = {
    resourceVersion: list.resourceVersion,
    ...(list.continue ? { continue: list.continue } : {}),
    ...(list.remainingItemCount !== undefined ? { remainingItemCount: list.remainingItemCount } : {}),
  };
  if (shape === 'table') return sendJson(res, 200, toTable(r, list.items, meta, includeObject(q), now), TABLE_TYPE);
  if (shape === 'metadata') {
    return sendJson(res, 200, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: meta, items: list.items.map(partial) });
  }
  sendJson(res, 200, { kind: r.type.listKind, apiVersion: r.apiVersion, metadata: meta, items: list.items });
}

function partial(obj: KubeObject): KubeObject {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

async function serveWatch(
  deps: ResourceHandlerDeps,
  req: IncomingMessage,
  res: ServerResponse,
  r: Resource,
  ns: string | undefined,
  info: ResourceRequest,
  q: URLSearchParams,
  shape: ResponseShape,
): Promise<void> {
  const opts = listOptions(q);
  if (info.name) opts.fieldSelector = [opts.fieldSelector, `metadata.name=${info.name}`].filter(Boolean).join(',');
  let columnsSent = false;
  const encode = (obj: KubeObject): unknown => {
    if (obj.kind === 'Status' || shape === 'object') return obj;
    if (shape === 'metadata') return partial(obj);
    const table = toTable(r, [obj], { resourceVersion: obj.metadata.resourceVersion }, includeObject(q), deps.now(), !columnsSent);
    columnsSent = true;
    return table;
  };

  res.writeHead(200, {
    'Content-Type': shape === 'table' ? TABLE_TYPE : 'application/json',
    'Transfer-Encoding': 'chunked',
    'Cache-Control': 'no-cache, private',
  });
  // kubectl wait/rollout status block until the headers arrive (KUBECTL-API.md §5.2).
  res.flushHeaders();

  let ended = false;
  let handle: { cancel(): void } | undefined;
  const end = (abort = false): void => {
    if (ended) return;
    ended = true;
    handle?.cancel();
    clearTimeout(timer);
    // Closing at once frees what the reader left unread; a plain end would keep it until sent.
    if (abort) res.destroy();
    else res.end();
  };
  const { minTimeoutSeconds, bufferBytes } = deps.watchLimits;
  const timeout = Number(q.get('timeoutSeconds') ?? 0) || minTimeoutSeconds * (1 + Math.random());
  const timer = setTimeout(end, timeout * 1000);
  req.on('close', () => end());
  res.on('close', () => end());
  // The initial events are written at once; the bound is on what piles up after them. Events
  // of one turn (a burst: the store delivers what a turn wrote at once) are written together: only
  // what is still unread from earlier turns shows a slow reader.
  let allowed = Infinity;
  let turnBytes = 0;
  try {
    handle = await watch(deps.rest, r, ns, {
      ...opts,
      allowWatchBookmarks: q.get('allowWatchBookmarks') === 'true',
      sendInitialEvents: q.get('sendInitialEvents') === 'true',
    }, {
      event: (type, object, source) => {
        if (ended) return;
        if (res.writableLength - turnBytes > allowed) {
          deps.onSlowWatcher(r.type.resource, res.writableLength);
          return end(true);
        }
        const encodeLine = (): string => JSON.stringify({ type, object: type === 'BOOKMARK' ? object : encode(object) }) + '\n';
        // A whole object or its metadata is the same bytes for every watcher of the write: one
        // encoding for all of them. A Table row depends on this stream (columns sent, the time).
        const line = source && shape !== 'table' ? sharedLine(r, source, `${type} ${shape}`, encodeLine) : encodeLine();
        if (turnBytes === 0) setImmediate(() => (turnBytes = 0));
        turnBytes += line.length;
        res.write(line);
      },
      error: (status) => {
        if (ended) return;
        res.write(JSON.stringify({ type: 'ERROR', object: status }) + '\n');
        end();
      },
    });
    allowed = res.writableLength + bufferBytes;
    if (ended) handle.cancel();
  } catch (e) {
    if (!ended) res.write(JSON.stringify({ type: 'ERROR', object: toStatusError(e).toStatus() }) + '\n');
    end();
  }
}

async function handleVirtual(
  deps: ResourceHandlerDeps,
  req: IncomingMessage,
  res: ServerResponse,
  info: ResourceRequest,
  r: Resource,
  v: VirtualResource,
  user: UserInfo,
): Promise<void> {
  if (info.verb === 'create' && v.create) return sendJson(res, 201, await v.create(await objectBody(req, r), user, info.namespace));
  const shape = negotiate(req.headers.accept);
  const q = new URL(req.url ?? '/', 'http://x').searchParams;
  const keep = makePredicate(r, { labelSelector: q.get('labelSelector') ?? undefined, fieldSelector: q.get('fieldSelector') ?? undefined });
  const items = (await v.list(r.type.namespaced ? info.namespace : undefined)).filter((i) => !keep || keep(i));
  if (v.warning) setWarnings(res, [v.warning]);
  if (info.verb === 'get') {
    const obj = items.find((i) => i.metadata.name === info.name);
    if (!obj) throw errors.notFound(r.type.resource, r.type.group, info.name!);
    return sendObject(res, r, obj, shape, deps.now(), q);
  }
  if (info.verb === 'list') return sendList(res, r, { items, resourceVersion: '' }, shape, deps.now(), q);
  throw errors.methodNotAllowed();
}
