// What a user may do. Until RBAC exists, the admin and node tokens may do anything and a
// ServiceAccount may only read (get, list, watch, and the non-resource paths with GET);
// anything else is 403 Forbidden, worded as kube-apiserver's forbiddenMessage.

import { StatusError } from '../../util/status-errors.js';
import type { RequestInfo } from '../request-info.js';
import type { UserInfo } from './authenticate.js';

const READ_VERBS = new Set(['get', 'list', 'watch']);
/** Subresources that act on the pod (exec, attach, ...) even when asked for with GET. */
const CONNECT_SUBRESOURCES = new Set(['exec', 'attach', 'portforward', 'proxy']);

export function authorize(user: UserInfo, info: RequestInfo, method: string): void {
  if (!user.serviceAccount) return;
  if (!info.isResource) {
    if (method === 'GET' || method === 'HEAD') return;
    throw new StatusError(403, 'Forbidden', `forbidden: User "${user.username}" cannot ${method.toLowerCase()} path "${info.path}"`);
  }
  const connect = info.subresource !== undefined && CONNECT_SUBRESOURCES.has(info.subresource);
  if (READ_VERBS.has(info.verb) && !connect) return;
  const verb = connect || info.verb === 'connect' ? 'create' : info.verb;
  const resource = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
  const scope = info.namespace ? `in the namespace "${info.namespace}"` : 'at the cluster scope';
  const why = `User "${user.username}" cannot ${verb} resource "${resource}" in API group "${info.group}" ${scope}`;
  const qualified = info.group ? `${info.resource}.${info.group}` : info.resource;
  throw new StatusError(403, 'Forbidden', info.name ? `${qualified} "${info.name}" is forbidden: ${why}` : `${qualified} is forbidden: ${why}`, {
    ...(info.name ? { name: info.name } : {}),
    group: info.group,
    kind: info.resource,
  });
}
