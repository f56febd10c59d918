import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Role } from '../apis/rbac/types.js';
import { aggregatedRules } from './clusterrole-aggregation.js';

describe('aggregatedRules', () => {
  const role = (name: string, labels: Record<string, string>, rules: Role['rules']): Role => ({ metadata: { name, labels }, rules });
  it('unions the matching roles in name order, each rule once', () => {
    const view: Role = { metadata: { name: 'view' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'to-view': 'true' } }] } };
    const get = { verbs: ['get'], apiGroups: [''], resources: ['pods'] };
    const list = { verbs: ['list'], apiGroups: [''], resources: ['pods'] };
    const all = [view, role('b', { 'to-view': 'true' }, [list, get]), role('a', { 'to-view': 'true' }, [get]), role('c', {}, [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }])];
    assert.deepEqual(aggregatedRules(view, all), [get, list]);
  });
});
