import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoint, EndpointPort, EndpointSlice } from '../../apis/discovery/endpointslices.js';
import { planSlices, type SliceOwner } from './plan.js';
import type { SliceGroup } from './slice-group.js';

const LABELS = { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' };
const owner: SliceOwner = {
  namespace: 'default',
  generateName: 'web-',
  labels: LABELS,
  ownerReference: { apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'svc-uid', controller: true, blockOwnerDeletion: true },
  addressTypes: ['IPv4'],
  placeholder: true,
};
const P80: EndpointPort[] = [{ name: '', port: 80, protocol: 'TCP' }];
const P81: EndpointPort[] = [{ name: '', port: 81, protocol: 'TCP' }];

const ep = (n: number, ready = true): Endpoint => ({
  addresses: [`127.244.0.${n}`],
  conditions: { ready, serving: ready, terminating: false },
  targetRef: { kind: 'Pod', namespace: 'default', name: `p${n}`, uid: `u${n}` },
});
const eps = (...ns: number[]): Endpoint[] => ns.map((n) => ep(n));

let rv = 0;
const slice = (name: string, endpoints: Endpoint[], ports: EndpointPort[] = P80, o: { uid?: string; labels?: Record<string, string>; type?: 'IPv4' | 'IPv6' } = {}): EndpointSlice => ({
  metadata: {
    name,
    namespace: 'default',
    uid: `uid-${name}`,
    resourceVersion: String(++rv),
    labels: o.labels ?? LABELS,
    ownerReferences: [{ ...owner.ownerReference, uid: o.uid ?? 'svc-uid' }],
  },
  addressType: o.type ?? 'IPv4',
  endpoints,
  ports,
});
const group = (endpoints: Endpoint[], ports: EndpointPort[] = P80): SliceGroup => ({ addressType: 'IPv4', ports, endpoints });

/** The plan in short: created slices as their endpoint numbers, updated and deleted by name. */
function summary(existing: EndpointSlice[], groups: SliceGroup[], max = 3) {
  const plan = planSlices(owner, existing, groups, max);
  const nums = (s: EndpointSlice) => (s.endpoints ?? []).map((e) => Number(e.addresses[0].split('.')[3]));
  return {
    create: plan.create.map(nums),
    update: plan.update.map((s) => `${s.metadata.name}:${nums(s).join(',')}`),
    delete: plan.delete.map((s) => s.metadata.name),
  };
}

describe('planSlices', () => {
  const cases: { name: string; existing: EndpointSlice[]; groups: SliceGroup[]; want: ReturnType<typeof summary> }[] = [
    { name: 'nothing yet, no endpoints: a placeholder', existing: [], groups: [], want: { create: [[]], update: [], delete: [] } },
    { name: 'the placeholder stays as it is', existing: [slice('ph', [], [])], groups: [], want: { create: [], update: [], delete: [] } },
    {
      name: 'first endpoints rewrite the placeholder instead of replacing it',
      existing: [slice('ph', [], [])],
      groups: [group(eps(1, 2))],
      want: { create: [], update: ['ph:1,2'], delete: [] },
    },
    { name: 'unchanged slices are not written', existing: [slice('a', eps(1, 2, 3)), slice('b', eps(4))], groups: [group(eps(1, 2, 3, 4))], want: { create: [], update: [], delete: [] } },
    {
      name: 'a changed endpoint rewrites only its slice',
      existing: [slice('a', eps(1, 2, 3)), slice('b', eps(4))],
      groups: [group([...eps(1, 2, 3), ep(4, false)])],
      want: { create: [], update: ['b:4'], delete: [] },
    },
    {
      name: 'new endpoints fill a slice that is written anyway',
      existing: [slice('a', eps(1, 2, 3)), slice('b', eps(4, 5))],
      groups: [group([...eps(1, 2, 3, 4), ep(6)])],
      want: { create: [], update: ['b:4,6'], delete: [] },
    },
    {
      name: 'new endpoints go to the unchanged slice closest to full',
      existing: [slice('a', eps(1)), slice('b', eps(4, 5))],
      groups: [group(eps(1, 4, 5, 6))],
      want: { create: [], update: ['b:4,5,6'], delete: [] },
    },
    { name: 'past the maximum: new slices', existing: [], groups: [group(eps(1, 2, 3, 4, 5, 6, 7))], want: { create: [[1, 2, 3], [4, 5, 6], [7]], update: [], delete: [] } },
    {
      name: 'a slice whose endpoints all left is deleted',
      existing: [slice('a', eps(1, 2, 3)), slice('b', eps(4))],
      groups: [group(eps(1, 2, 3))],
      want: { create: [], update: [], delete: ['b'] },
    },
    { name: 'all gone: the last slice becomes the placeholder', existing: [slice('a', eps(1))], groups: [], want: { create: [], update: ['a:'], delete: [] } },
    {
      name: 'a port change moves endpoints by rewriting the old slice',
      existing: [slice('a', eps(1, 2))],
      groups: [group(eps(1, 2), P81)],
      want: { create: [], update: ['a:1,2'], delete: [] },
    },
    {
      name: 'a duplicate endpoint in a second slice is dropped there',
      existing: [slice('a', eps(1, 2)), slice('b', eps(2, 3))],
      groups: [group(eps(1, 2, 3))],
      want: { create: [], update: ['b:3'], delete: [] },
    },
    {
      name: 'slices of an earlier Service of the same name are deleted, not reused',
      existing: [slice('old', eps(1), P80, { uid: 'old-uid' })],
      groups: [group(eps(1))],
      want: { create: [[1]], update: [], delete: ['old'] },
    },
    {
      name: 'changed Service labels rewrite every slice',
      existing: [slice('a', eps(1), P80, { labels: { ...LABELS, tier: 'old' } })],
      groups: [group(eps(1))],
      want: { create: [], update: ['a:1'], delete: [] },
    },
    {
      name: 'slices of an address type the Service no longer has are deleted',
      existing: [slice('v6', [], P80, { type: 'IPv6' }), slice('v4', eps(1))],
      groups: [group(eps(1))],
      want: { create: [], update: [], delete: ['v6'] },
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(summary(c.existing, c.groups), c.want));

  it('new slices carry the owner, its labels and generateName', () => {
    const [created] = planSlices(owner, [], [group(eps(1))], 100).create;
    assert.deepEqual(created.metadata, { generateName: 'web-', namespace: 'default', labels: LABELS, ownerReferences: [owner.ownerReference] });
    assert.equal(created.addressType, 'IPv4');
    assert.deepEqual(created.ports, P80);
  });

  it('without a placeholder (mirroring), no endpoints means no slices', () => {
    const plan = planSlices({ ...owner, placeholder: false }, [slice('a', eps(1))], [], 100);
    assert.deepEqual(plan.delete.map((s) => s.metadata.name), ['a']);
    assert.equal(plan.create.length + plan.update.length, 0);
  });
});
