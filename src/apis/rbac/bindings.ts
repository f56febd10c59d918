// RoleBindings and ClusterRoleBindings (rbac.authorization.k8s.io/v1): defaults and validation as
// pkg/apis/rbac (roleRef is immutable), columns as kubectl's printers (Role, Age; wide: Users,
// Groups, ServiceAccounts).

import { field, type FieldError } from '../../util/status-errors.js';
import { age, ageColumn, column, defineResource, nameColumn, validateMeta } from '../descriptor.js';
import { invalidEach } from '../validation/meta.js';
import { isDNS1123Subdomain } from '../../util/name-format.js';
import { isPathSegmentName } from './roles.js';
import { RBAC_GROUP, type RoleBinding, type Subject } from './types.js';

const SUBJECT_KINDS = ['ServiceAccount', 'User', 'Group'];

function defaults(b: RoleBinding): void {
  if (b.roleRef && !b.roleRef.apiGroup) b.roleRef.apiGroup = RBAC_GROUP;
  for (const s of b.subjects ?? []) if (!s.apiGroup && (s.kind === 'User' || s.kind === 'Group')) s.apiGroup = RBAC_GROUP;
}

function validateSubject(s: Subject, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!s?.name) errs.push(field.required(`${path}.name`));
  switch (s?.kind) {
    case 'ServiceAccount':
      if (s.name) errs.push(...invalidEach(`${path}.name`, s.name, isDNS1123Subdomain(s.name)));
      if (s.apiGroup) errs.push(field.notSupported(`${path}.apiGroup`, s.apiGroup, ['']));
      if (!namespaced && !s.namespace) errs.push(field.required(`${path}.namespace`));
      break;
    case 'User':
    case 'Group':
      if (s.apiGroup !== RBAC_GROUP) errs.push(field.notSupported(`${path}.apiGroup`, s.apiGroup ?? '', [RBAC_GROUP]));
      break;
    default:
      errs.push(field.notSupported(`${path}.kind`, s?.kind ?? '', SUBJECT_KINDS));
  }
  return errs;
}

function validateBinding(b: RoleBinding, old: RoleBinding | undefined, namespaced: boolean): FieldError[] {
  const errs = validateMeta(b, old, { namespaced, validateName: isPathSegmentName });
  const ref = b.roleRef ?? { apiGroup: '', kind: '', name: '' };
  if (ref.apiGroup !== RBAC_GROUP) errs.push(field.notSupported('roleRef.apiGroup', ref.apiGroup ?? '', [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(ref.kind)) errs.push(field.notSupported('roleRef.kind', ref.kind ?? '', kinds));
  if (!ref.name) errs.push(field.required('roleRef.name'));
  else errs.push(...invalidEach('roleRef.name', ref.name, isPathSegmentName(ref.name)));
  (b.subjects ?? []).forEach((s, i) => errs.push(...validateSubject(s, namespaced, `subjects[${i}]`)));
  if (old && JSON.stringify(old.roleRef) !== JSON.stringify(b.roleRef)) errs.push(field.invalid('roleRef', b.roleRef, 'cannot change roleRef'));
  return errs;
}

/** rbac.SubjectsStrings: users, groups and `namespace/name` of ServiceAccounts. */
function subjectCells(b: RoleBinding): string[] {
  const of = (kind: string): string =>
    (b.subjects ?? [])
      .filter((s) => s.kind === kind)
      .map((s) => (kind === 'ServiceAccount' ? `${s.namespace ?? ''}/${s.name}` : s.name))
      .join(', ');
  return [of('User'), of('Group'), of('ServiceAccount')];
}

const columns = [
  nameColumn(),
  column('Role', 'Role of the binding'),
  ageColumn(),
  column('Users', 'Users in the binding', { priority: 1 }),
  column('Groups', 'Groups in the binding', { priority: 1 }),
  column('ServiceAccounts', 'ServiceAccounts in the binding', { priority: 1 }),
];
const row = (b: RoleBinding, now: Date): unknown[] => [b.metadata.name, `${b.roleRef?.kind}/${b.roleRef?.name}`, age(b, now), ...subjectCells(b)];

export const roleBindings = defineResource<RoleBinding>({
  group: RBAC_GROUP,
  version: 'v1',
  kind: 'RoleBinding',
  resource: 'rolebindings',
  namespaced: true,
  columns,
  row,
  defaults,
  validate: (b, old) => validateBinding(b, old, true),
});

export const clusterRoleBindings = defineResource<RoleBinding>({
  group: RBAC_GROUP,
  version: 'v1',
  kind: 'ClusterRoleBinding',
  resource: 'clusterrolebindings',
  namespaced: false,
  columns,
  row,
  defaults,
  validate: (b, old) => validateBinding(b, old, false),
});
