import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints } from '../../apis/core/endpoints.js';
import type { Service } from '../../apis/core/service/types.js';
import { mirrorGroups, mirrorOwner } from './desired.js';
import { shouldMirror } from './controller.js';

const endpoints = (subsets: Endpoints['subsets'], labels: Record<string, string> = {}, annotations: Record<string, string> = {}): Endpoints => ({
  metadata: { name: 'db', namespace: 'default', uid: 'ep-uid', labels, annotations },
  subsets,
});

describe('mirrorGroups', () => {
  const cases: { name: string; ep: Endpoints; want: string[]; skipped?: number }[] = [
    { name: 'no subsets: nothing', ep: endpoints([]), want: [] },
    {
      name: 'ready and not ready addresses, per family and ports',
      ep: endpoints([
        { addresses: [{ ip: '192.0.2.1' }, { ip: '2001:db8::1' }], notReadyAddresses: [{ ip: '192.0.2.2' }], ports: [{ port: 5432 }] },
        { addresses: [{ ip: '192.0.2.3' }], ports: [{ name: 'a', port: 1, protocol: 'UDP' }] },
      ]),
      want: ['IPv4 :5432/TCP 192.0.2.1=true,192.0.2.2=false', 'IPv6 :5432/TCP 2001:db8::1=true', 'IPv4 a:1/UDP 192.0.2.3=true'],
    },
    {
      name: 'past 1000 addresses a subset is cut',
      ep: endpoints([{ addresses: Array.from({ length: 1002 }, (_, i) => ({ ip: `10.0.${i >> 8}.${i & 255}` })), ports: [{ port: 1 }] }]),
      want: ['IPv4 :1/TCP 1000'],
      skipped: 2,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { groups, skipped } = mirrorGroups(c.ep);
      const short = groups.map((g) => {
        const eps = g.endpoints.length > 10 ? String(g.endpoints.length) : g.endpoints.map((e) => `${e.addresses[0]}=${e.conditions?.ready}`).join(',');
        return `${g.addressType} ${g.ports.map((p) => `${p.name}:${p.port}/${p.protocol}`).join(',')} ${eps}`;
      });
      assert.deepEqual(short, c.want);
      assert.equal(skipped, c.skipped ?? 0);
    });
  }
});

describe('mirrorOwner', () => {
  it('copies labels and annotations but the last-applied configuration, owned by the Endpoints', () => {
    const owner = mirrorOwner(endpoints([], { team: 'data' }, { note: 'x', 'kubectl.kubernetes.io/last-applied-configuration': '{}' }));
    assert.deepEqual(owner.labels, { team: 'data', 'kubernetes.io/service-name': 'db', 'endpointslice.kubernetes.io/managed-by': 'endpointslicemirroring-controller.k8s.io' });
    assert.deepEqual(owner.annotations, { note: 'x' });
    assert.deepEqual(owner.ownerReference, { apiVersion: 'v1', kind: 'Endpoints', name: 'db', uid: 'ep-uid', controller: true, blockOwnerDeletion: true });
  });
});

describe('shouldMirror', () => {
  const selectorless: Service = { metadata: { name: 'db' }, spec: { ports: [{ port: 1 }] } };
  const selected: Service = { metadata: { name: 'db' }, spec: { selector: { app: 'db' } } };
  const cases: { name: string; ep?: Endpoints; svc?: Service; want: boolean }[] = [
    { name: 'user Endpoints of a selector-less Service', ep: endpoints([]), svc: selectorless, want: true },
    { name: 'no Service', ep: endpoints([]), want: false },
    { name: 'the Service has a selector', ep: endpoints([]), svc: selected, want: false },
    { name: 'skip-mirror', ep: endpoints([], { 'endpointslice.kubernetes.io/skip-mirror': 'true' }), svc: selectorless, want: false },
    { name: 'left by the endpoints controller before the selector went', ep: endpoints([], { 'endpoints.kubernetes.io/managed-by': 'endpoint-controller' }), svc: selectorless, want: true },
  ];
  for (const c of cases) it(c.name, () => assert.equal(shouldMirror(c.ep, c.svc), c.want));
});
