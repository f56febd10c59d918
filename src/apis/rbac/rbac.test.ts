import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clusterRoles, roles } from './roles.js';
import { clusterRoleBindings, roleBindings } from './bindings.js';
import type { Role, RoleBinding } from './types.js';

const G = 'rbac.authorization.k8s.io';
const errs = (fe: { field: string; message: string }[]): string[] => fe.map((e) => `${e.field}: ${e.message}`);

describe('Role and ClusterRole validation', () => {
  const role = (rules: Role['rules'], name = 'r'): Role => ({ metadata: { name, namespace: 'ns' }, rules });
  const cases: [string, Role, boolean, string[]][] = [
    ['a valid rule', role([{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], 'system:r'), true, []],
    ['no verbs', role([{ verbs: [], apiGroups: [''], resources: ['pods'] }]), true, ['rules[0].verbs: Required value: verbs must contain at least one value']],
    ['no groups or resources', role([{ verbs: ['get'] }]), true, ['rules[0].apiGroups: Required value: resource rules must supply at least one api group', 'rules[0].resources: Required value: resource rules must supply at least one resource']],
    ['a URL in a namespaced Role', role([{ verbs: ['get'], nonResourceURLs: ['/x'] }]), true, ['rules[0].nonResourceURLs: Invalid value: ["/x"]: namespaced rules cannot apply to non-resource URLs']],
    ['a name with a slash', role([], 'a/b'), true, ['metadata.name: Invalid value: "a/b": may not contain \'/\'']],
  ];
  for (const [name, r, namespaced, want] of cases)
    it(name, () => assert.deepEqual(errs((namespaced ? roles : clusterRoles).validate!(r)), want));
  it('an aggregationRule needs a selector', () =>
    assert.deepEqual(errs(clusterRoles.validate!({ metadata: { name: 'agg' }, aggregationRule: {} })), [
      'aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil',
    ]));
});

describe('RoleBinding and ClusterRoleBinding validation and defaults', () => {
  const binding = (b: Partial<RoleBinding>, namespace?: string): RoleBinding => ({
    metadata: { name: 'b', ...(namespace ? { namespace } : {}) },
    roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'view' },
    ...b,
  });
  it('defaults the apiGroup of users and groups', () => {
    const b = binding({ roleRef: { apiGroup: '', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'jane' }] }, 'ns');
    roleBindings.defaults!(b);
    assert.deepEqual([b.roleRef.apiGroup, b.subjects![0]!.apiGroup], [G, G]);
  });
  const cases: [string, RoleBinding, boolean, string[]][] = [
    ['a ClusterRoleBinding of a Role', binding({ roleRef: { apiGroup: G, kind: 'Role', name: 'r' } }), false, ['roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"']],
    ['an unknown subject kind', binding({ subjects: [{ kind: 'Robot', name: 'x' }] }, 'ns'), true, ['subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"']],
    ['a ServiceAccount without namespace at cluster scope', binding({ subjects: [{ kind: 'ServiceAccount', name: 'sa' }] }), false, ['subjects[0].namespace: Required value']],
    ['a subject without a name', binding({ subjects: [{ kind: 'User', apiGroup: G, name: '' }] }, 'ns'), true, ['subjects[0].name: Required value']],
  ];
  for (const [name, b, namespaced, want] of cases)
    it(name, () => assert.deepEqual(errs((namespaced ? roleBindings : clusterRoleBindings).validate!(b)), want));
  it('roleRef cannot change', () => {
    const old = { ...binding({}, 'ns'), metadata: { name: 'b', namespace: 'ns', uid: 'u', resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z' } };
    const changed = { ...old, roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'edit' } };
    assert.ok(errs(roleBindings.validate!(changed, old)).some((e) => e.startsWith('roleRef: Invalid value:') && e.endsWith('cannot change roleRef')));
  });
});
