// The access reviews (authorization.k8s.io/v1) and SelfSubjectReview (authentication.k8s.io/v1),
// answered from the authorizer and never stored, as kube-apiserver's registry/authorization:
// SubjectAccessReview (any user), LocalSubjectAccessReview (one namespace),
// SelfSubjectAccessReview (`kubectl auth can-i`), SelfSubjectRulesReview (`can-i --list`).

import type { KubeObject } from '../../apis/types.js';
import type { PolicyRule } from '../../apis/rbac/types.js';
import { errors, field, type FieldError } from '../../util/status-errors.js';
import type { Attributes } from './attributes.js';
import type { UserInfo } from './authenticate.js';
import type { Authorizer } from './authorize.js';

const GROUP = 'authorization.k8s.io';

interface ReviewSpec {
  resourceAttributes?: { namespace?: string; verb?: string; group?: string; resource?: string; subresource?: string; name?: string };
  nonResourceAttributes?: { path?: string; verb?: string };
  user?: string;
  groups?: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

function validateAttributes(spec: ReviewSpec): FieldError[] {
  if (spec.resourceAttributes && spec.nonResourceAttributes)
    return [field.invalid('spec.nonResourceAttributes', spec.nonResourceAttributes, 'cannot be specified in combination with resourceAttributes')];
  if (!spec.resourceAttributes && !spec.nonResourceAttributes)
    return [field.required('spec.resourceAttributes', 'exactly one of nonResourceAttributes or resourceAttributes must be specified')];
  return [];
}

function attributes(user: UserInfo, spec: ReviewSpec): Attributes {
  const r = spec.resourceAttributes;
  if (r) {
    return { user, verb: r.verb ?? '', isResource: true, namespace: r.namespace || undefined, apiGroup: r.group ?? '', resource: r.resource ?? '', subresource: r.subresource || undefined, name: r.name || undefined };
  }
  return { user, verb: spec.nonResourceAttributes?.verb ?? '', isResource: false, path: spec.nonResourceAttributes?.path ?? '' };
}

export class Reviews {
  constructor(private readonly authorizer: Authorizer) {}

  private async answer(review: KubeObject, kind: string, user: UserInfo, spec: ReviewSpec): Promise<KubeObject> {
    const d = await this.authorizer.authorize(attributes(user, spec));
    return { ...review, apiVersion: `${GROUP}/v1`, kind, metadata: { ...review.metadata, creationTimestamp: null }, status: { allowed: d.allowed, ...(d.reason ? { reason: d.reason } : {}) } };
  }

  subjectAccessReview(review: KubeObject, namespace?: string): Promise<KubeObject> {
    const kind = namespace === undefined ? 'SubjectAccessReview' : 'LocalSubjectAccessReview';
    const spec = (review.spec ?? {}) as ReviewSpec;
    const errs = validateAttributes(spec);
    if (!spec.user && !spec.groups?.length) errs.push(field.invalid('spec.user', spec.user ?? '', 'at least one of user or group must be specified'));
    if (errs.length) throw errors.invalid(kind, GROUP, '', errs);
    if (namespace !== undefined && spec.resourceAttributes?.namespace !== namespace)
      throw errors.badRequest(`spec.resourceAttributes.namespace must match namespace: ${namespace}`);
    const user: UserInfo = { username: spec.user ?? '', groups: spec.groups ?? [], ...(spec.uid ? { uid: spec.uid } : {}), ...(spec.extra ? { extra: spec.extra } : {}) };
    return this.answer(review, kind, user, spec);
  }

  selfSubjectAccessReview(review: KubeObject, user: UserInfo): Promise<KubeObject> {
    const spec = (review.spec ?? {}) as ReviewSpec;
    const errs = validateAttributes(spec);
    if (errs.length) throw errors.invalid('SelfSubjectAccessReview', GROUP, '', errs);
    return this.answer(review, 'SelfSubjectAccessReview', user, spec);
  }

  selfSubjectRulesReview(review: KubeObject, user: UserInfo): KubeObject {
    const namespace = (review.spec as { namespace?: string } | undefined)?.namespace;
    if (!namespace) throw errors.invalid('SelfSubjectRulesReview', GROUP, '', [field.required('spec.namespace')]);
    const rules: PolicyRule[] = this.authorizer.rbac.rulesFor(user, namespace);
    return {
      ...review,
      apiVersion: `${GROUP}/v1`,
      kind: 'SelfSubjectRulesReview',
      metadata: { ...review.metadata, creationTimestamp: null },
      status: {
        resourceRules: rules.filter((r) => !r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs, apiGroups: r.apiGroups, resources: r.resources, resourceNames: r.resourceNames })),
        nonResourceRules: rules.filter((r) => r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs })),
        incomplete: false,
      },
    };
  }
}

/** SelfSubjectReview (`kubectl auth whoami`): the user the request authenticated as. */
export function selfSubjectReview(review: KubeObject, user: UserInfo): KubeObject {
  const { username, uid, groups, extra } = user;
  return {
    ...review,
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'SelfSubjectReview',
    metadata: { ...review.metadata, creationTimestamp: null },
    status: { userInfo: { username, ...(uid ? { uid } : {}), groups, ...(extra ? { extra } : {}) } },
  };
}
