import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../apis/types.js';
import type { Attributes } from './attributes.js';
import { nodeRestriction } from './node-restriction.js';

const a = (resource: string, subresource?: string, apiGroup = ''): Attributes => ({ user: { username: 'system:node:a', groups: ['system:nodes'] }, verb: 'x', isResource: true, apiGroup, resource, subresource });
const pod = (nodeName: string, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({ metadata: { name: 'p', namespace: 'ns', ...extra }, spec: { nodeName } });
const mirror = (nodeName: string, owner = 'a'): KubeObject =>
  pod(nodeName, { annotations: { 'kubernetes.io/config.mirror': 'x' }, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: owner, uid: 'u', controller: true }] });

describe('NodeRestriction for node "a"', () => {
  const cases: [string, Attributes, KubeObject | undefined, KubeObject | undefined, string | undefined][] = [
    ['deletes its own pod', a('pods'), undefined, pod('a'), undefined],
    ["deletes b's pod", a('pods'), undefined, pod('b'), 'node "a" can only delete pods with spec.nodeName set to itself'],
    ['updates its pod status', a('pods', 'status'), pod('a'), pod('a'), undefined],
    ["updates b's pod status", a('pods', 'status'), pod('b'), pod('b'), 'node "a" can only update pod status for pods with spec.nodeName set to itself'],
    ['relabels through status', a('pods', 'status'), pod('a', { labels: { x: 'y' } }), pod('a'), 'node "a" cannot update labels through pod status'],
    ['updates a pod', a('pods'), pod('a'), pod('a'), 'unexpected operation "UPDATE", node "a" can only create and delete mirror pods'],
    ['creates a plain pod', a('pods'), pod('a'), undefined, 'pod does not have "kubernetes.io/config.mirror" annotation, node "a" can only create mirror pods'],
    ['creates its mirror pod', a('pods'), mirror('a'), undefined, undefined],
    ['creates a mirror pod on b', a('pods'), mirror('b'), undefined, 'node "a" can only create pods with spec.nodeName set to itself'],
    ['creates a mirror pod owned by b', a('pods'), mirror('a', 'b'), undefined, 'node "a" can only create pods with an owner reference set to itself'],
    ['changes its node', a('nodes', 'status'), { metadata: { name: 'a' } }, { metadata: { name: 'a' } }, undefined],
    ['changes node b', a('nodes'), { metadata: { name: 'b' } }, { metadata: { name: 'b' } }, 'node "a" is not allowed to modify node "b"'],
    ['creates its lease', a('leases', undefined, 'coordination.k8s.io'), { metadata: { name: 'a', namespace: 'kube-node-lease' } }, undefined, undefined],
    ["creates b's lease", a('leases', undefined, 'coordination.k8s.io'), { metadata: { name: 'b', namespace: 'kube-node-lease' } }, undefined, 'can only access node lease with the same name as the requesting node'],
    ['writes an event', a('events'), { metadata: { name: 'e', namespace: 'ns' } }, undefined, undefined],
  ];
  for (const [name, attrs, obj, old, want] of cases) it(name, () => assert.equal(nodeRestriction('a', attrs, obj, old), want));
});
