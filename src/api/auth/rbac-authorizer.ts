// The RBAC authorizer (plugin/pkg/auth/authorizer/rbac): allowed when a rule bound to the user,
// one of its groups or its ServiceAccount matches; otherwise no opinion. Also answers what a
// user may do in a namespace (SelfSubjectRulesReview).

import type { PolicyRule, RoleBinding, Subject } from '../../apis/rbac/types.js';
import type { Attributes, Decision } from './attributes.js';
import type { UserInfo } from './authenticate.js';
import type { PolicyCache } from './policy-cache.js';
import { ruleAllows } from './rbac-rules.js';

function describeSubject(s: Subject, bindingNamespace: string | undefined): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} "${s.name}/${s.namespace || bindingNamespace || ''}"`;
  return `${s.kind} "${s.name}"`;
}

/** `RoleBinding "view/ns1" of ClusterRole "view" to User "jane"`, as rbac's describers. */
function describe(b: RoleBinding, s: Subject): string {
  const ns = b.metadata.namespace;
  const kind = ns ? 'RoleBinding' : 'ClusterRoleBinding';
  return `${kind} "${ns ? `${b.metadata.name}/${ns}` : b.metadata.name}" of ${b.roleRef.kind} "${b.roleRef.name}" to ${describeSubject(s, ns)}`;
}

export class RbacAuthorizer {
  constructor(readonly policy: PolicyCache) {}

  authorize(a: Attributes): Decision {
    let reason = '';
    this.policy.visitRulesFor(a.user, a.namespace, (source) => {
      if (!source.rules.some((r) => ruleAllows(r, a))) return true;
      reason = `RBAC: allowed by ${describe(source.binding, source.subject)}`;
      return false;
    });
    return { allowed: reason !== '', reason };
  }

  rulesFor(user: UserInfo, namespace: string | undefined): PolicyRule[] {
    const rules: PolicyRule[] = [];
    this.policy.visitRulesFor(user, namespace, (s) => (rules.push(...s.rules), true));
    return rules;
  }
}
