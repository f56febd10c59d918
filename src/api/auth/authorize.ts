// What a user may do, decided as kube-apiserver's `--authorization-mode=Node,RBAC`: members of
// system:masters may do anything (the privileged-group authorizer before the chain), then the
// Node authorizer, then RBAC. The first to allow wins; a refusal carries their reasons and
// becomes a 403 worded as kube-apiserver's forbiddenMessage.

import { forbidden, type Attributes, type Decision } from './attributes.js';
import type { NodeAuthorizer } from './node-authorizer.js';
import type { RbacAuthorizer } from './rbac-authorizer.js';

export const MASTERS_GROUP = 'system:masters';

export class Authorizer {
  constructor(
    readonly rbac: RbacAuthorizer,
    private readonly node: NodeAuthorizer,
  ) {}

  async authorize(a: Attributes): Promise<Decision> {
    if (a.user.groups.includes(MASTERS_GROUP)) return { allowed: true, reason: '' };
    const reasons: string[] = [];
    for (const decide of [() => this.node.authorize(a), async () => this.rbac.authorize(a)]) {
      const d = await decide();
      if (d.allowed) return d;
      if (d.reason) reasons.push(d.reason);
    }
    return { allowed: false, reason: reasons.join('\n') };
  }

  /** Throws the 403 kube-apiserver answers when `a` is not allowed. */
  async check(a: Attributes): Promise<void> {
    const d = await this.authorize(a);
    if (!d.allowed) throw forbidden(a, d.reason);
  }
}
