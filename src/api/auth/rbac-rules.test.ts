import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PolicyRule } from '../../apis/rbac/types.js';
import type { Attributes } from './attributes.js';
import { compactRules, compactString, ruleAllows, uncovered } from './rbac-rules.js';

const user = { username: 'jane', groups: [] };
const res = (verb: string, resource: string, extra: Partial<Attributes> = {}): Attributes => ({ user, verb, isResource: true, apiGroup: '', resource, namespace: 'ns1', ...extra });
const url = (verb: string, path: string): Attributes => ({ user, verb, isResource: false, path });

describe('ruleAllows', () => {
  const cases: [string, PolicyRule, Attributes, boolean][] = [
    ['exact verb, group, resource', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, res('get', 'pods'), true],
    ['another verb', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, res('delete', 'pods'), false],
    ['another group', { verbs: ['get'], apiGroups: ['apps'], resources: ['pods'] }, res('get', 'pods'), false],
    ['a resource does not grant its subresources', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, res('get', 'pods', { subresource: 'log' }), false],
    ['pods/log', { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }, res('get', 'pods', { subresource: 'log' }), true],
    ['*/status matches any status', { verbs: ['update'], apiGroups: ['*'], resources: ['*/status'] }, res('update', 'services', { subresource: 'status' }), true],
    ['*/status does not match the resource', { verbs: ['update'], apiGroups: ['*'], resources: ['*/status'] }, res('update', 'services'), false],
    ['* everything', { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, res('deletecollection', 'secrets', { subresource: 'x' }), true],
    ['resourceNames: the named one', { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }, res('get', 'configmaps', { name: 'a' }), true],
    ['resourceNames: not a list', { verbs: ['list'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }, res('list', 'configmaps'), false],
    ['a resource rule never allows a path', { verbs: ['get'], apiGroups: ['*'], resources: ['*'] }, url('get', '/api'), false],
    ['exact path', { verbs: ['get'], nonResourceURLs: ['/version'] }, url('get', '/version'), true],
    ['path prefix', { verbs: ['get'], nonResourceURLs: ['/apis/*'] }, url('get', '/apis/apps/v1'), true],
    ['path prefix is not the path above', { verbs: ['get'], nonResourceURLs: ['/apis/*'] }, url('get', '/apis'), false],
    ['a path rule never allows a resource', { verbs: ['*'], nonResourceURLs: ['*'] }, res('get', 'pods'), false],
  ];
  for (const [name, rule, a, want] of cases) it(name, () => assert.equal(ruleAllows(rule, a), want));
});

describe('uncovered and CompactString (escalation checks)', () => {
  const owned: PolicyRule[] = [
    { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', '*/status'] },
    { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] },
    { verbs: ['get'], nonResourceURLs: ['/healthz/*'] },
  ];
  const cases: [string, PolicyRule[], string[]][] = [
    ['held rules', [{ verbs: ['get'], apiGroups: [''], resources: ['pods', 'services/status'] }], []],
    ['a named grant within a named hold', [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }], []],
    ['a path under a held prefix', [{ verbs: ['get'], nonResourceURLs: ['/healthz/etcd'] }], []],
    ['more verbs', [{ verbs: ['get', 'delete', 'patch'], apiGroups: [''], resources: ['pods'] }], ['{APIGroups:[""], Resources:["pods"], Verbs:["delete" "patch"]}']],
    ['all names when only one is held', [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }], ['{APIGroups:[""], Resources:["configmaps"], Verbs:["get"]}']],
    ['a path', [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }], ['{NonResourceURLs:["/metrics"], Verbs:["get"]}']],
  ];
  for (const [name, wanted, want] of cases)
    it(name, () => assert.deepEqual([...new Set(compactRules(uncovered(owned, wanted)).map(compactString))].sort(), want));
});
