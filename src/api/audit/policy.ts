// The audit policy (audit.k8s.io/v1 Policy): the first rule that matches a request sets its
// level and the stages left out; no rule matching means None. Matching follows kube-apiserver's
// policy checker: an empty list matches everything; a rule with `resources` matches only
// resource requests, one with `nonResourceURLs` only the others; `namespaces: [""]` names the
// cluster-scoped; "pods/*", "*/scale" and "*" name subresources; a URL pattern may end in `*`.

import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { RequestInfo } from '../request-info.js';

export type Level = 'None' | 'Metadata' | 'Request' | 'RequestResponse';
export type Stage = 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic';
const LEVELS: Level[] = ['None', 'Metadata', 'Request', 'RequestResponse'];
const STAGES: Stage[] = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'];

interface GroupResources {
  group?: string;
  resources?: string[];
  resourceNames?: string[];
}

export interface PolicyRule {
  level: Level;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: GroupResources[];
  namespaces?: string[];
  nonResourceURLs?: string[];
  omitStages?: Stage[];
}

export interface Policy {
  rules: PolicyRule[];
  omitStages?: Stage[];
}

export interface AuditAttributes {
  user: { username: string; groups: string[] };
  /** The audit verb: a resource request's verb, or the HTTP method in lower case. */
  verb: string;
  info: RequestInfo;
}

export interface Decision {
  level: Level;
  omitStages: Stage[];
}

export function readPolicy(path: string): Policy {
  try {
    return checkPolicy(parse(readFileSync(path, 'utf8')));
  } catch (e) {
    throw new Error(`--audit-policy-file ${path}: ${(e as Error).message}`);
  }
}

/** A parsed Policy, checked (throws saying which field is wrong). */
export function checkPolicy(doc: unknown): Policy {
  const p = doc as { apiVersion?: string; kind?: string; rules?: PolicyRule[]; omitStages?: Stage[] };
  if (p?.kind !== 'Policy' || p.apiVersion !== 'audit.k8s.io/v1') throw new Error('not an audit.k8s.io/v1 Policy');
  if (!Array.isArray(p.rules) || !p.rules.length) throw new Error('rules: at least one rule is required');
  const stages = (field: string, v: unknown): void => {
    for (const s of (v as unknown[]) ?? []) if (!STAGES.includes(s as Stage)) throw new Error(`${field}: "${String(s)}" is not a stage (${STAGES.join(', ')})`);
  };
  stages('omitStages', p.omitStages);
  p.rules.forEach((r, i) => {
    if (!LEVELS.includes(r.level)) throw new Error(`rules[${i}].level: "${String(r.level)}" is not a level (${LEVELS.join(', ')})`);
    if (r.resources?.length && r.nonResourceURLs?.length) throw new Error(`rules[${i}]: resources and nonResourceURLs cannot both be set`);
    stages(`rules[${i}].omitStages`, r.omitStages);
  });
  return { rules: p.rules, omitStages: p.omitStages };
}

export function decide(policy: Policy, a: AuditAttributes): Decision {
  const rule = policy.rules.find((r) => ruleMatches(r, a));
  return { level: rule?.level ?? 'None', omitStages: [...new Set([...(policy.omitStages ?? []), ...(rule?.omitStages ?? [])])] };
}

const anyOf = (list: string[] | undefined, v: string): boolean => !list?.length || list.includes(v);

function ruleMatches(r: PolicyRule, a: AuditAttributes): boolean {
  if (!anyOf(r.users, a.user.username)) return false;
  if (r.userGroups?.length && !a.user.groups.some((g) => r.userGroups!.includes(g))) return false;
  if (!anyOf(r.verbs, a.verb)) return false;
  if (!a.info.isResource) {
    if (r.resources?.length || r.namespaces?.length) return false;
    const path = a.info.path;
    return !r.nonResourceURLs?.length || r.nonResourceURLs.some((u) => (u.endsWith('*') ? path.startsWith(u.slice(0, -1)) : u === path));
  }
  if (r.nonResourceURLs?.length) return false;
  if (r.namespaces?.length && !r.namespaces.includes(a.info.namespace ?? '')) return false;
  return !r.resources?.length || r.resources.some((g) => groupResourcesMatch(g, a.info as Extract<RequestInfo, { isResource: true }>));
}

function groupResourcesMatch(g: GroupResources, info: Extract<RequestInfo, { isResource: true }>): boolean {
  if ((g.group ?? '') !== info.group) return false;
  if (!g.resources?.length) return true;
  const full = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
  const sub = info.subresource !== undefined;
  const named = g.resources.some((r) => r === '*' || r === full || (sub && (r === `${info.resource}/*` || r === `*/${info.subresource}`)));
  return named && anyOf(g.resourceNames, info.name ?? '') && (!g.resourceNames?.length || info.name !== undefined);
}
