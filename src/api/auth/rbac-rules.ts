// RBAC's rule arithmetic, pure: whether a rule allows a request (rbac/v1 helpers' *Matches),
// whether a set of rules covers another (escalation checks, component-helpers' Covers), and
// rules printed as CompactString prints them in kube-apiserver's errors.

import type { PolicyRule } from '../../apis/rbac/types.js';
import type { Attributes } from './attributes.js';

const has = (list: string[] | undefined, v: string): boolean => !!list && (list.includes('*') || list.includes(v));

function resourceMatches(rule: PolicyRule, resource: string, subresource: string | undefined): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  return (rule.resources ?? []).some((r) => r === '*' || r === combined || (!!subresource && r === `*/${subresource}`));
}

function urlMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some((u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))));
}

export function ruleAllows(rule: PolicyRule, a: Attributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (!a.isResource) return urlMatches(rule, a.path ?? '');
  return (
    has(rule.apiGroups, a.apiGroup ?? '') &&
    resourceMatches(rule, a.resource ?? '', a.subresource) &&
    (!rule.resourceNames?.length || rule.resourceNames.includes(a.name ?? ''))
  );
}

/** A rule split into rules of one verb, one group, one resource, one name (or one URL). */
function breakdown(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const verb of rule.verbs ?? []) {
    for (const url of rule.nonResourceURLs ?? []) out.push({ verbs: [verb], nonResourceURLs: [url] });
    for (const group of rule.apiGroups ?? [])
      for (const resource of rule.resources ?? []) {
        const names = rule.resourceNames?.length ? rule.resourceNames : [undefined];
        for (const name of names) out.push({ verbs: [verb], apiGroups: [group], resources: [resource], ...(name !== undefined ? { resourceNames: [name] } : {}) });
      }
  }
  return out;
}

function ruleCovers(owner: PolicyRule, one: PolicyRule): boolean {
  if (!has(owner.verbs, one.verbs[0]!)) return false;
  if (one.nonResourceURLs) return urlMatches(owner, one.nonResourceURLs[0]!);
  if (!has(owner.apiGroups, one.apiGroups![0]!)) return false;
  const resource = one.resources![0]!;
  const slash = resource.indexOf('/');
  const sub = slash > 0 ? resource.slice(slash + 1) : undefined;
  const okResource = (owner.resources ?? []).some((r) => r === '*' || r === resource || (!!sub && r === `*/${sub}`));
  if (!okResource) return false;
  if (!owner.resourceNames?.length) return true;
  return !!one.resourceNames && owner.resourceNames.includes(one.resourceNames[0]!);
}

/** The parts of `wanted` no rule of `owned` covers (empty: covered). */
export function uncovered(owned: PolicyRule[], wanted: PolicyRule[]): PolicyRule[] {
  return wanted.flatMap(breakdown).filter((one) => !owned.some((o) => ruleCovers(o, one)));
}

/** CompactRules: single-group, single-resource rules without names merge their verbs. */
export function compactRules(rules: PolicyRule[]): PolicyRule[] {
  const merged = new Map<string, PolicyRule>();
  const out: PolicyRule[] = [];
  for (const r of rules) {
    if (r.apiGroups?.length === 1 && r.resources?.length === 1 && !r.resourceNames?.length && !r.nonResourceURLs?.length) {
      const key = `${r.apiGroups[0]}\u0000${r.resources[0]}`;
      const m = merged.get(key);
      if (m) {
        for (const v of r.verbs) if (!m.verbs.includes(v)) m.verbs.push(v);
        continue;
      }
      const copy = { ...r, verbs: [...r.verbs] };
      merged.set(key, copy);
      out.push(copy);
    } else out.push(r);
  }
  return out;
}

/** Go's %q of a []string: `["a" "b"]`. */
export const goQuotedList = (l: string[]): string => `[${l.map((s) => JSON.stringify(s)).join(' ')}]`;

/** rbacv1helpers.CompactString: `{APIGroups:[""], Resources:["pods"], Verbs:["get"]}`. */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  const add = (name: string, l: string[] | undefined): void => void (l?.length && parts.push(`${name}:${goQuotedList(l)}`));
  add('APIGroups', r.apiGroups);
  add('Resources', r.resources);
  add('NonResourceURLs', r.nonResourceURLs);
  add('ResourceNames', r.resourceNames);
  add('Verbs', r.verbs);
  return `{${parts.join(', ')}}`;
}
