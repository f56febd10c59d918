// Escalation prevention for RBAC writes (pkg/registry/rbac/*/policybased): a Role or
// ClusterRole may grant only rules its writer holds, unless the writer may `escalate` it; a
// binding may reference only a role whose rules its writer holds, unless it may `bind` it.
// Members of system:masters may do both.

import type { KubeObject } from '../../apis/types.js';
import { RBAC_GROUP, type PolicyRule, type Role, type RoleBinding } from '../../apis/rbac/types.js';
import { errors } from '../../util/status-errors.js';
import { forbiddenObject, type Attributes } from './attributes.js';
import { MASTERS_GROUP, type Authorizer } from './authorize.js';
import { compactRules, compactString, goQuotedList, uncovered } from './rbac-rules.js';

const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

export class EscalationCheck {
  constructor(private readonly authorizer: Authorizer) {}

  async admit(a: Attributes, obj: KubeObject | undefined, old: KubeObject | undefined): Promise<void> {
    if (a.apiGroup !== RBAC_GROUP || !obj || a.user.groups.includes(MASTERS_GROUP)) return;
    const name = obj.metadata.name!;
    const namespace = obj.metadata.namespace;
    if (a.resource === 'roles' || a.resource === 'clusterroles') {
      const role = obj as Role;
      const was = old as Role | undefined;
      if (was && JSON.stringify(was.rules ?? []) === JSON.stringify(role.rules ?? []) && JSON.stringify(was.aggregationRule) === JSON.stringify(role.aggregationRule)) return;
      if (await this.may(a, 'escalate', a.resource, name, namespace)) return;
      if (role.aggregationRule && this.missing(a, namespace, FULL_AUTHORITY).length)
        throw forbiddenObject({ ...a, name }, 'must have cluster-admin privileges to use the aggregationRule');
      this.confirm(a, name, namespace, role.aggregationRule ? [] : (role.rules ?? []));
    } else if (a.resource === 'rolebindings' || a.resource === 'clusterrolebindings') {
      const ref = (obj as RoleBinding).roleRef;
      const refResource = ref.kind === 'ClusterRole' ? 'clusterroles' : 'roles';
      if (await this.may(a, 'bind', refResource, ref.name, namespace)) return;
      const rules = this.authorizer.rbac.policy.roleRules(ref.kind, ref.name, namespace);
      if (!rules) throw errors.notFound(refResource, RBAC_GROUP, ref.name);
      this.confirm(a, name, namespace, rules);
    }
  }

  private may(a: Attributes, verb: string, resource: string, name: string, namespace: string | undefined): Promise<boolean> {
    return this.authorizer.authorize({ user: a.user, verb, isResource: true, apiGroup: RBAC_GROUP, resource, name, namespace }).then((d) => d.allowed);
  }

  private missing(a: Attributes, namespace: string | undefined, wanted: PolicyRule[]): PolicyRule[] {
    return uncovered(this.authorizer.rbac.rulesFor(a.user, namespace), wanted);
  }

  /** ConfirmNoEscalation, with its error text. */
  private confirm(a: Attributes, name: string, namespace: string | undefined, wanted: PolicyRule[]): void {
    const missing = this.missing(a, namespace, wanted);
    if (!missing.length) return;
    const lines = [...new Set(compactRules(missing).map(compactString))].sort();
    throw forbiddenObject(
      { ...a, name },
      `user "${a.user.username}" (groups=${goQuotedList(a.user.groups)}) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`,
    );
  }
}
