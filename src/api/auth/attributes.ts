// What an authorizer decides on (k8s.io/apiserver authorizer.Attributes), made from a request,
// and the 403 that a refusal becomes, worded as kube-apiserver's forbiddenMessage.

import { StatusError } from '../../util/status-errors.js';
import type { RequestInfo } from '../request-info.js';
import type { UserInfo } from './authenticate.js';

export interface Attributes {
  user: UserInfo;
  verb: string;
  isResource: boolean;
  /** Resource requests. */
  namespace?: string;
  apiGroup?: string;
  resource?: string;
  subresource?: string;
  name?: string;
  /** Non-resource requests. */
  path?: string;
}

export interface Decision {
  allowed: boolean;
  /** Why: for an allow, which binding; for a refusal, what the authorizers said. */
  reason: string;
}

/** exec/attach/portforward act on the pod even over GET (websockets): they need `create`. */
const CONNECT_SUBRESOURCES = new Set(['exec', 'attach', 'portforward']);

export function attributesOf(user: UserInfo, info: RequestInfo, method: string): Attributes {
  if (!info.isResource) return { user, verb: method === 'HEAD' ? 'get' : method.toLowerCase(), isResource: false, path: info.path };
  const connect = info.verb === 'connect' || (info.subresource !== undefined && CONNECT_SUBRESOURCES.has(info.subresource));
  return {
    user,
    verb: connect ? 'create' : info.verb,
    isResource: true,
    namespace: info.namespace,
    apiGroup: info.group,
    resource: info.resource,
    subresource: info.subresource,
    name: info.name ?? info.selectedName,
  };
}

/** kube-apiserver's forbiddenMessage, with the authorizers' reason after a colon. */
export function forbidden(a: Attributes, reason = ''): StatusError {
  const because = reason ? `: ${reason}` : '';
  if (!a.isResource) return new StatusError(403, 'Forbidden', `forbidden: User "${a.user.username}" cannot ${a.verb} path "${a.path}"${because}`);
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return forbiddenObject(a, `User "${a.user.username}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" ${scope}${because}`);
}

/** apierrors.NewForbidden: `pods "web" is forbidden: why`. */
export function forbiddenObject(a: Pick<Attributes, 'apiGroup' | 'resource' | 'name'>, why: string): StatusError {
  const qualified = a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource;
  return new StatusError(403, 'Forbidden', a.name ? `${qualified} "${a.name}" is forbidden: ${why}` : `${qualified} is forbidden: ${why}`, {
    ...(a.name ? { name: a.name } : {}),
    group: a.apiGroup,
    kind: a.resource,
  });
}
