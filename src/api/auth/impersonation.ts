// Impersonation (k8s.io/apiserver endpoints/filters/impersonation.go): with Impersonate-User,
// Impersonate-Group, Impersonate-Uid and Impersonate-Extra-KEY headers a user acts as another,
// if it may `impersonate` each of them (users, groups, serviceaccounts, uids, userextras/KEY).

import type { IncomingMessage } from 'node:http';
import { errors } from '../../util/status-errors.js';
import type { Attributes } from './attributes.js';
import type { UserInfo } from './authenticate.js';
import type { Authorizer } from './authorize.js';

const SA_PREFIX = 'system:serviceaccount:';
const EXTRA_PREFIX = 'impersonate-extra-';
const AUTHENTICATED = 'system:authenticated';

/** What the headers ask to act as: each becomes one `impersonate` check. */
interface Wanted {
  attrs: Omit<Attributes, 'user' | 'verb' | 'isResource'>;
  label: string;
}

function splitServiceAccount(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SA_PREFIX)) return undefined;
  const [namespace, name, ...more] = username.slice(SA_PREFIX.length).split(':');
  return namespace && name && !more.length ? { namespace, name } : undefined;
}

function decodeExtraKey(raw: string): string {
  try {
    return decodeURIComponent(raw).toLowerCase();
  } catch {
    throw errors.badRequest(`invalid ${EXTRA_PREFIX}${raw} header: the key is not properly escaped`);
  }
}

/** The user a request acts as: itself without impersonation headers, else the impersonated
 *  user once every part is authorized (400 for malformed headers, 403 for a refused part). */
export async function impersonate(req: IncomingMessage, requestor: UserInfo, authorizer: Authorizer): Promise<UserInfo> {
  // Node reads header bytes as latin1; names are UTF-8 on the wire, as Go reads them.
  const h = Object.fromEntries(
    Object.entries(req.headersDistinct)
      .filter(([k]) => k.startsWith('impersonate-'))
      .map(([k, v]) => [k, (v ?? []).map((x) => Buffer.from(x, 'latin1').toString('utf8'))]),
  );
  const username = h['impersonate-user']?.[0];
  const groups = h['impersonate-group'] ?? [];
  const uid = h['impersonate-uid']?.[0];
  const extras = Object.entries(h).filter(([k]) => k.startsWith(EXTRA_PREFIX)).map(([k, v]) => [decodeExtraKey(k.slice(EXTRA_PREFIX.length)), v ?? []] as const);
  if (username === undefined && !groups.length && uid === undefined && !extras.length) return requestor;

  const wanted: Wanted[] = [];
  const sa = username ? splitServiceAccount(username) : undefined;
  if (sa) wanted.push({ attrs: { apiGroup: '', resource: 'serviceaccounts', namespace: sa.namespace, name: sa.name }, label: `ServiceAccount "${sa.namespace}/${sa.name}"` });
  else if (username) wanted.push({ attrs: { apiGroup: '', resource: 'users', name: username }, label: `User "${username}"` });
  for (const g of groups) wanted.push({ attrs: { apiGroup: '', resource: 'groups', name: g }, label: `Group "${g}"` });
  if (uid !== undefined) wanted.push({ attrs: { apiGroup: 'authentication.k8s.io', resource: 'uids', name: uid }, label: `UID "${uid}"` });
  for (const [key, values] of extras)
    for (const v of values) wanted.push({ attrs: { apiGroup: 'authentication.k8s.io', resource: 'userextras', subresource: key, name: v }, label: `UserExtra ${key}="${v}"` });
  if (!username) throw errors.badRequest(`requested [${wanted.map((w) => w.label).join(' ')}] without impersonating a user`);

  for (const w of wanted) await authorizer.check({ ...w.attrs, user: requestor, verb: 'impersonate', isResource: true });

  const impersonatedGroups = groups.length ? [...groups] : sa ? ['system:serviceaccounts', `system:serviceaccounts:${sa.namespace}`] : [];
  if (username !== 'system:anonymous' && !impersonatedGroups.includes(AUTHENTICATED)) impersonatedGroups.push(AUTHENTICATED);
  return {
    username,
    ...(uid !== undefined ? { uid } : {}),
    groups: impersonatedGroups,
    ...(extras.length ? { extra: Object.fromEntries(extras.map(([k, v]) => [k, [...v]])) } : {}),
  };
}
