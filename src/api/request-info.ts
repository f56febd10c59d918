// Splits a request path into what it addresses, as the apiserver's RequestInfoFactory does:
//   /api/v1/namespaces/NS/RESOURCE/NAME/SUBRESOURCE
//   /apis/GROUP/VERSION/RESOURCE/NAME/SUBRESOURCE
// A path that is not a resource path (discovery, /version, /openapi) has isResource false.

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection' | 'connect';

export interface ResourceRequest {
  isResource: true;
  group: string;
  version: string;
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** Extra path after the subresource (e.g. proxy paths). */
  rest: string[];
  verb: Verb;
  /** A list or watch of one object by name (`fieldSelector=metadata.name=NAME`): authorizers
   *  see that name, as kube-apiserver's RequestInfoFactory sets it. */
  selectedName?: string;
}

export interface NonResourceRequest {
  isResource: false;
  path: string;
}

export type RequestInfo = ResourceRequest | NonResourceRequest;

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

export function parseRequestInfo(method: string, pathname: string, query: URLSearchParams): RequestInfo {
  const parts = pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1];
    version = parts[2];
    rest = parts.slice(3);
  } else {
    return { isResource: false, path: pathname };
  }

  // Legacy watch paths: /api/v1/watch/namespaces/NS/pods
  let legacyWatch = false;
  if (rest[0] === 'watch') {
    legacyWatch = true;
    rest = rest.slice(1);
  }

  let namespace: string | undefined;
  // `namespaces/NS/RESOURCE...` addresses a namespaced resource; `namespaces/NS` and
  // `namespaces/NS/{status,finalize}` address the Namespace object itself.
  if (rest[0] === 'namespaces' && rest.length >= 3 && !NAMESPACE_SUBRESOURCES.has(rest[2])) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource, ...tail] = rest;
  if (!resource) return { isResource: false, path: pathname };

  const watchParam = query.get('watch');
  const isWatch = legacyWatch || watchParam === 'true' || watchParam === '1';
  const verb = verbFor(method, name !== undefined, isWatch, subresource);
  const selectedName = (verb === 'list' || verb === 'watch') && name === undefined ? exactName(query.get('fieldSelector')) : undefined;
  return { isResource: true, group, version, resource, namespace, name, subresource, rest: tail, verb, ...(selectedName ? { selectedName } : {}) };
}

/** The name a field selector requires exactly (`metadata.name=N` or `==`, among other terms). */
function exactName(selector: string | null): string | undefined {
  for (const term of (selector ?? '').split(',')) {
    const m = /^\s*metadata\.name\s*==?\s*(.+?)\s*$/.exec(term);
    if (m) return m[1];
  }
  return undefined;
}

function verbFor(method: string, hasName: boolean, watch: boolean, subresource: string | undefined): Verb {
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (subresource === 'exec' || subresource === 'attach' || subresource === 'portforward') return 'connect';
      if (watch) return 'watch';
      return hasName ? 'get' : 'list';
    case 'POST':
      if (subresource === 'exec' || subresource === 'attach' || subresource === 'portforward') return 'connect';
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return hasName ? 'delete' : 'deletecollection';
    default:
      return 'connect';
  }
}
