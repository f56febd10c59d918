// Roles and ClusterRoles (rbac.authorization.k8s.io/v1): validation as pkg/apis/rbac/validation,
// columns as kubectl's printers (Name, Created At).

import { field, type FieldError } from '../../util/status-errors.js';
import { column, defineResource, nameColumn, validateMeta } from '../descriptor.js';
import { RBAC_GROUP, type PolicyRule, type Role } from './types.js';

/** ValidatePathSegmentName: RBAC names may hold ':' and more, but not '/' or '%'. */
export function isPathSegmentName(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  const errs: string[] = [];
  for (const c of ['/', '%']) if (name.includes(c)) errs.push(`may not contain '${c}'`);
  return errs;
}

function validateRule(rule: PolicyRule, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!rule?.verbs?.length) errs.push(field.required(`${path}.verbs`, 'verbs must contain at least one value'));
  if (rule?.nonResourceURLs?.length) {
    if (namespaced) errs.push(field.invalid(`${path}.nonResourceURLs`, rule.nonResourceURLs, 'namespaced rules cannot apply to non-resource URLs'));
    if (rule.apiGroups?.length || rule.resources?.length)
      errs.push(field.invalid(`${path}.nonResourceURLs`, rule.nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs'));
    return errs;
  }
  if (!rule?.apiGroups?.length) errs.push(field.required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  if (!rule?.resources?.length) errs.push(field.required(`${path}.resources`, 'resource rules must supply at least one resource'));
  return errs;
}

function validateRole(role: Role, old: Role | undefined, namespaced: boolean): FieldError[] {
  const errs = validateMeta(role, old, { namespaced, validateName: isPathSegmentName });
  (role.rules ?? []).forEach((r, i) => errs.push(...validateRule(r, namespaced, `rules[${i}]`)));
  const agg = role.aggregationRule;
  if (agg && !agg.clusterRoleSelectors?.length)
    errs.push(field.required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
  return errs;
}

const createdAt = column('Created At', 'Time at which the role was created', { type: 'date' });
const row = (r: Role): unknown[] => [r.metadata.name, r.metadata.creationTimestamp ?? ''];

export const roles = defineResource<Role>({
  group: RBAC_GROUP,
  version: 'v1',
  kind: 'Role',
  resource: 'roles',
  namespaced: true,
  columns: [nameColumn(), createdAt],
  row,
  validate: (r, old) => validateRole(r, old, true),
});

export const clusterRoles = defineResource<Role>({
  group: RBAC_GROUP,
  version: 'v1',
  kind: 'ClusterRole',
  resource: 'clusterroles',
  namespaced: false,
  columns: [nameColumn(), createdAt],
  row,
  validate: (r, old) => validateRole(r, old, false),
});
