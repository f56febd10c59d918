import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice } from '../../apis/discovery/endpointslices.js';
import { SliceCache } from './slice-cache.js';

const slice = (name: string, rv: number, managedBy = 'me', service = 'web'): EndpointSlice => ({
  metadata: {
    name,
    namespace: 'ns',
    resourceVersion: String(rv),
    labels: { 'kubernetes.io/service-name': service, 'endpointslice.kubernetes.io/managed-by': managedBy },
  },
  addressType: 'IPv4',
});

describe('SliceCache', () => {
  const cases: { name: string; steps: ((c: SliceCache) => string | undefined | void)[]; want: (string | undefined | void)[]; slices: string[] }[] = [
    {
      name: 'the echo of our own create is not news',
      steps: [(c) => c.wrote(slice('a', 5)), (c) => c.observe('add', slice('a', 5))],
      want: [undefined, undefined],
      slices: ['a@5'],
    },
    {
      name: 'an older event after our update is ignored',
      steps: [(c) => c.wrote(slice('a', 7)), (c) => c.observe('update', slice('a', 5))],
      want: [undefined, undefined],
      slices: ['a@7'],
    },
    {
      name: 'someone else changing our slice is news for its Service',
      steps: [(c) => c.wrote(slice('a', 5)), (c) => c.observe('update', slice('a', 9))],
      want: [undefined, 'ns/web'],
      slices: ['a@9'],
    },
    {
      name: 'a deleted slice does not come back from a late event, and its DELETED is not news',
      steps: [(c) => c.wrote(slice('a', 5)), (c) => c.removed(slice('a', 5)), (c) => c.observe('update', slice('a', 6)), (c) => c.observe('delete', slice('a', 6))],
      want: [undefined, undefined, undefined, undefined],
      slices: [],
    },
    {
      name: 'someone else deleting our slice is news',
      steps: [(c) => c.observe('add', slice('a', 5)), (c) => c.observe('delete', slice('a', 5))],
      want: ['ns/web', 'ns/web'],
      slices: [],
    },
    {
      name: 'slices of other managers are not ours; relabelling ours away is news',
      steps: [(c) => c.observe('add', slice('x', 3, 'other')), (c) => c.observe('add', slice('a', 4)), (c) => c.observe('update', slice('a', 8, 'other'))],
      want: [undefined, 'ns/web', 'ns/web'],
      slices: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const cache = new SliceCache('me');
      assert.deepEqual(c.steps.map((s) => s(cache)), c.want);
      assert.deepEqual(cache.list('ns/web').map((s) => `${s.metadata.name}@${s.metadata.resourceVersion}`), c.slices);
    });
  }
});
