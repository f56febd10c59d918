// /openapi/v3: the documents kubectl reads to validate (`create -f`, `apply`: it looks for a
// PATCH operation with our GVK and a `fieldValidation` parameter, then leaves validation to us)
// and to explain (`kubectl explain svc.spec.ports`: the component schemas). Both are generated
// from the Schema DSL with Kubernetes' schema names and extensions. See KUBECTL-API.md §6.4.

import { createHash } from 'node:crypto';
import { jsonFields } from '../apis/schema/json-fields.js';
import { schemaFor } from '../apis/schema/index.js';
import { ListMeta } from '../apis/schema/meta.js';
import type { FieldSchema, ObjectSchema, ScalarSchema, Schema } from '../apis/schema/types.js';
import { resolve } from '../apis/schema/types.js';

export interface ResourceRef {
  group: string;
  version: string;
  kind: string;
  resource: string;
  namespaced: boolean;
  subresources: string[];
}

type Json = Record<string, unknown>;

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/** Wrapper types: their component schemas, as Kubernetes publishes them. */
const WELL_KNOWN: Partial<Record<ScalarSchema['type'], [string, Json]>> = {
  'int-or-string': ['io.k8s.apimachinery.pkg.util.intstr.IntOrString', { type: 'string', format: 'int-or-string' }],
  quantity: ['io.k8s.apimachinery.pkg.api.resource.Quantity', { type: 'string' }],
  time: [`${META}.Time`, { type: 'string', format: 'date-time' }],
  'micro-time': [`${META}.MicroTime`, { type: 'string', format: 'date-time' }],
};

/** `api/v1`, `apis/apps/v1`: the keys of the root document and the paths of GV documents. */
export function groupVersionPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

export function openApiV3Root(resources: ResourceRef[]): object {
  const paths: Json = {};
  for (const gv of [...new Set(resources.map((r) => groupVersionPath(r.group, r.version)))].sort()) {
    const doc = openApiV3GroupVersion(gv, resources);
    const hash = createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase();
    paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${hash}` };
  }
  return { paths };
}

/** The document of one group/version (`api/v1`, `apis/apps/v1`); undefined if we serve none. */
export function openApiV3GroupVersion(groupVersion: string, resources: ResourceRef[]): object | undefined {
  const served = resources.filter((r) => groupVersionPath(r.group, r.version) === groupVersion);
  if (!served.length) return undefined;
  const components = new Components();
  const paths: Json = {};
  for (const r of served) Object.assign(paths, resourcePaths(r, components));
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    components: { schemas: components.sorted() },
  };
}

interface Gvk {
  group: string;
  version: string;
  kind: string;
}

function apiVersionOf(g: Gvk): string {
  return g.group ? `${g.group}/${g.version}` : g.version;
}

function resourcePaths(r: ResourceRef, components: Components): Json {
  const gvk: Gvk = { group: r.group, version: r.version, kind: r.kind };
  const prefix = `/${groupVersionPath(r.group, r.version)}`;
  const collection = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.resource}` : `${prefix}/${r.resource}`;
  const item = `${collection}/{name}`;
  const ops = new Operations(r, components);
  const nsParam = r.namespaced ? [pathParam('namespace', 'object name and auth scope, such as for teams and projects')] : [];
  const nameParam = pathParam('name', `name of the ${r.kind}`);

  const paths: Json = {
    [collection]: {
      get: ops.op('list', '', gvk),
      post: ops.op('post', '', gvk),
      parameters: nsParam,
    },
    [item]: {
      get: ops.op('get', '', gvk),
      put: ops.op('put', '', gvk),
      patch: ops.op('patch', '', gvk),
      delete: ops.op('delete', '', gvk),
      parameters: [nameParam, ...nsParam],
    },
  };
  if (r.namespaced) {
    paths[`${prefix}/${r.resource}`] = { get: ops.op('list', 'ForAllNamespaces', gvk), parameters: [] };
  }
  for (const sub of r.subresources) {
    const target = subresourceKind(sub, gvk);
    if (!target) continue;
    const suffix = sub[0].toUpperCase() + sub.slice(1);
    paths[`${item}/${sub}`] =
      sub === 'binding'
        ? { post: ops.op('post', suffix, target), parameters: [nameParam, ...nsParam] }
        : {
            get: ops.op('get', suffix, target),
            put: ops.op('put', suffix, target),
            patch: ops.op('patch', suffix, target),
            parameters: [nameParam, ...nsParam],
          };
  }
  return paths;
}

/** The kind a subresource reads and writes; undefined for those without a body (log, exec). */
function subresourceKind(sub: string, parent: Gvk): Gvk | undefined {
  switch (sub) {
    case 'status':
    case 'approval':
      return parent;
    case 'scale':
      return { group: 'autoscaling', version: 'v1', kind: 'Scale' };
    case 'binding':
      return { group: '', version: 'v1', kind: 'Binding' };
    default:
      return undefined;
  }
}

type Action = 'list' | 'post' | 'get' | 'put' | 'patch' | 'delete';

const VERB: Record<Action, string> = {
  list: 'list',
  post: 'create',
  get: 'read',
  put: 'replace',
  patch: 'patch',
  delete: 'delete',
};

const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];

/** Builds operations named as Kubernetes names them (`patchCoreV1NamespacedService`). */
class Operations {
  constructor(
    private readonly r: ResourceRef,
    private readonly components: Components,
  ) {}

  op(action: Action, suffix: string, gvk: Gvk): Json {
    const scope = this.r.namespaced && suffix !== 'ForAllNamespaces' ? 'Namespaced' : '';
    const body = ref(this.components.kind(gvk));
    const response = action === 'list' ? ref(this.components.list(gvk)) : body;
    const op: Json = {
      operationId: `${VERB[action]}${groupPrefix(this.r.group, this.r.version)}${scope}${this.r.kind}${suffix}`,
      parameters: queryParams(action),
      responses: { '200': { description: 'OK', content: { 'application/json': { schema: response } } } },
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
    };
    if (action === 'post' || action === 'put') op.requestBody = { content: { '*/*': { schema: body } }, required: true };
    if (action === 'patch') {
      const patch = ref(this.components.patch());
      op.requestBody = { content: Object.fromEntries(PATCH_TYPES.map((t) => [t, { schema: patch }])), required: true };
    }
    if (action === 'post') op.responses = { ...(op.responses as Json), '201': { description: 'Created', content: { 'application/json': { schema: response } } } };
    return op;
  }
}

/** `Core`/`Apps`/`Discovery` + `V1`. */
function groupPrefix(group: string, version: string): string {
  const name = (group || 'core').split('.')[0];
  return name[0].toUpperCase() + name.slice(1) + version[0].toUpperCase() + version.slice(1);
}

function pathParam(name: string, description: string): Json {
  return { name, in: 'path', description, required: true, schema: { type: 'string', uniqueItems: true } };
}

function queryParam(name: string, type: 'string' | 'integer' | 'boolean'): Json {
  return { name, in: 'query', schema: { type, uniqueItems: true } };
}

function queryParams(action: Action): Json[] {
  const write = [queryParam('dryRun', 'string'), queryParam('fieldManager', 'string'), queryParam('fieldValidation', 'string')];
  switch (action) {
    case 'list':
      return [
        ...['labelSelector', 'fieldSelector', 'continue', 'resourceVersion', 'resourceVersionMatch'].map((n) => queryParam(n, 'string')),
        ...['limit', 'timeoutSeconds'].map((n) => queryParam(n, 'integer')),
        ...['watch', 'allowWatchBookmarks', 'sendInitialEvents'].map((n) => queryParam(n, 'boolean')),
      ];
    case 'post':
    case 'put':
      return write;
    case 'patch':
      return [...write, queryParam('force', 'boolean')];
    case 'delete':
      return [queryParam('dryRun', 'string'), queryParam('gracePeriodSeconds', 'integer'), queryParam('propagationPolicy', 'string')];
    case 'get':
      return [];
  }
}

/** components.schemas, filled as operations and fields reference them. */
class Components {
  private readonly schemas = new Map<string, Json>();

  /** The schema name of a kind, added with everything it references. A kind without a
   *  schema is described as an open object. */
  kind(gvk: Gvk): string {
    const schema = schemaFor(apiVersionOf(gvk), gvk.kind);
    return schema
      ? this.object(schema, gvk)
      : this.add(`io.k8s.api.${gvk.kind}`, { type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
  }

  /** The schema name of a kind's List. */
  list(gvk: Gvk): string {
    const itemName = this.kind(gvk);
    return this.add(`${itemName}List`, {
      type: 'object',
      required: ['items'],
      properties: {
        apiVersion: { type: 'string' },
        items: { type: 'array', items: ref(itemName) },
        kind: { type: 'string' },
        metadata: ref(this.object(ListMeta)),
      },
      'x-kubernetes-group-version-kind': [{ ...gvk, kind: `${gvk.kind}List` }],
    });
  }

  patch(): string {
    return this.add(`${META}.Patch`, { type: 'object' });
  }

  sorted(): Json {
    return Object.fromEntries([...this.schemas].sort(([a], [b]) => a.localeCompare(b)));
  }

  private add(name: string, schema: Json): string {
    if (!this.schemas.has(name)) this.schemas.set(name, schema);
    return name;
  }

  /** Adds a struct's schema (the top-level kinds get apiVersion/kind and their GVK). */
  private object(s: ObjectSchema, gvk?: Gvk): string {
    const name = `${s.pkg ?? 'io.k8s.api'}.${s.name}`;
    if (this.schemas.has(name)) return name;
    const json: Json = { type: 'object' };
    this.schemas.set(name, json); // before recursing, so that cycles end
    const properties: Json = gvk ? { apiVersion: { type: 'string' }, kind: { type: 'string' } } : {};
    for (const [field, f] of [...jsonFields(s)].sort(([a], [b]) => a.localeCompare(b))) properties[field] = this.field(f);
    json.properties = properties;
    if (s.atomic) json['x-kubernetes-map-type'] = 'atomic';
    if (gvk) json['x-kubernetes-group-version-kind'] = [gvk];
    return name;
  }

  private field(f: FieldSchema): Json {
    const json = this.schema(resolve(f));
    if (f.patchStrategy) json['x-kubernetes-patch-strategy'] = f.patchStrategy;
    return json;
  }

  private schema(s: Schema): Json {
    switch (s.type) {
      case 'object':
        return { allOf: [ref(this.object(s))], default: {} };
      case 'list': {
        const json: Json = { type: 'array', items: this.schema(s.items), 'x-kubernetes-list-type': s.listType };
        if (s.mapKeys) json['x-kubernetes-list-map-keys'] = s.mapKeys;
        if (s.patchStrategy) json['x-kubernetes-patch-strategy'] = s.patchStrategy;
        if (s.patchMergeKey) json['x-kubernetes-patch-merge-key'] = s.patchMergeKey;
        return json;
      }
      case 'map':
        return { type: 'object', additionalProperties: this.schema(s.values) };
      default:
        return this.scalar(s);
    }
  }

  private scalar(s: ScalarSchema): Json {
    const known = WELL_KNOWN[s.type];
    if (known) return { allOf: [ref(this.add(...known))] };
    switch (s.type) {
      case 'int32':
      case 'int64':
        return { type: 'integer', format: s.type };
      case 'number':
        return { type: 'number', format: 'double' };
      case 'boolean':
        return { type: 'boolean' };
      case 'bytes':
        return { type: 'string', format: 'byte' };
      case 'any':
        return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
      default:
        return { type: 'string' };
    }
  }
}

function ref(name: string): Json {
  return { $ref: `#/components/schemas/${name}` };
}
