import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../apis/core/pods.js';
import type { Service } from '../../apis/core/service/types.js';
import type { EndpointSubset } from '../../apis/core/endpoints.js';
import { desiredEndpoints, desiredSubsets, truncateSubsets } from './desired.js';

const svc = (spec: Partial<Service['spec']> = {}, labels: Record<string, string> = {}): Service => ({
  metadata: { name: 'web', namespace: 'default', labels },
  spec: { selector: { app: 'web' }, clusterIP: '127.96.0.5', ipFamilies: ['IPv4'], ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }], ...spec },
});

/** `ip` may list both families ("10.244.0.1,fd00::1"), as a dual-stack pod's podIPs. */
function pod(name: string, ip: string, o: { ready?: boolean; deleting?: boolean; ports?: { name: string; containerPort: number }[] } = {}): Pod {
  const ips = ip.split(',');
  return {
    metadata: { name, namespace: 'default', uid: `u-${name}`, ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: { nodeName: 'node1', containers: [{ name: 'c', ports: o.ports ?? [] }] },
    status: { phase: 'Running', podIP: ips[0], podIPs: ips.map((x) => ({ ip: x })), conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  };
}

/** Subsets in short: `ready|notReady|ports`. */
const short = (subsets: EndpointSubset[]) =>
  subsets.map((s) => `${(s.addresses ?? []).map((a) => a.ip).join(',')}|${(s.notReadyAddresses ?? []).map((a) => a.ip).join(',')}|${(s.ports ?? []).map((p) => `${p.name ?? ''}:${p.port}`).join(',')}`);

describe('desiredSubsets', () => {
  const cases: { name: string; svc: Service; pods: Pod[]; want: string[] }[] = [
    { name: 'no pods: no subsets', svc: svc(), pods: [], want: [] },
    {
      name: 'ready and not ready pods share a subset, sorted by IP',
      svc: svc(),
      pods: [pod('b', '127.244.0.2'), pod('a', '127.244.0.1'), pod('c', '127.244.0.3', { ready: false })],
      want: ['127.244.0.1,127.244.0.2|127.244.0.3|:8080'],
    },
    { name: 'terminating pods are left out', svc: svc(), pods: [pod('a', '127.244.0.1', { deleting: true })], want: [] },
    {
      name: 'publishNotReadyAddresses: every pod, terminating too, is ready',
      svc: svc({ publishNotReadyAddresses: true }),
      pods: [pod('a', '127.244.0.1', { ready: false }), pod('b', '127.244.0.2', { deleting: true })],
      want: ['127.244.0.1,127.244.0.2||:8080'],
    },
    {
      name: 'pods with different ports make different subsets; a pod without the port is left out',
      svc: svc({ ports: [{ name: 'p1', port: 80, targetPort: 'svc1', protocol: 'TCP' }, { name: 'p2', port: 81, targetPort: 'svc2', protocol: 'TCP' }] }),
      pods: [
        pod('a', '127.244.0.1', { ports: [{ name: 'svc1', containerPort: 100 }] }),
        pod('b', '127.244.0.2', { ports: [{ name: 'svc2', containerPort: 101 }] }),
        pod('c', '127.244.0.3', { ports: [{ name: 'svc1', containerPort: 100 }, { name: 'svc2', containerPort: 101 }] }),
        pod('d', '127.244.0.4'),
      ],
      want: ['127.244.0.3||p1:100,p2:101', '127.244.0.1||p1:100', '127.244.0.2||p2:101'],
    },
    {
      // The Endpoints controller lists the Service's primary family only (podToEndpointAddressForService).
      name: 'dual-stack pods: the address of the primary family',
      svc: svc({ clusterIP: 'fd00:10:96::5', ipFamilies: ['IPv6', 'IPv4'] }),
      pods: [pod('a', '10.244.0.1,fd00:10:244::1'), pod('b', '10.244.0.2')],
      want: ['fd00:10:244::1||:8080'],
    },
    {
      name: 'an IPv4-primary dual-stack Service: the IPv4 addresses',
      svc: svc({ ipFamilies: ['IPv4', 'IPv6'] }),
      pods: [pod('a', '10.244.0.1,fd00:10:244::1'), pod('b', 'fd00:10:244::2')],
      want: ['10.244.0.1||:8080'],
    },
    { name: 'headless without ports: addresses alone', svc: svc({ clusterIP: 'None', ports: [] }), pods: [pod('a', '127.244.0.1')], want: ['127.244.0.1||'] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(short(desiredSubsets(c.svc, c.pods)), c.want));
});

describe('truncateSubsets', () => {
  const addrs = (n: number, base: number) => Array.from({ length: n }, (_, i) => ({ ip: `10.0.${base}.${i}` }));
  const cases: { name: string; subsets: EndpointSubset[]; max: number; want: [number, number][]; truncated: boolean }[] = [
    { name: 'under the limit: untouched', subsets: [{ addresses: addrs(3, 0) }], max: 5, want: [[3, 0]], truncated: false },
    { name: 'ready addresses first', subsets: [{ addresses: addrs(4, 0), notReadyAddresses: addrs(4, 1) }], max: 6, want: [[4, 2]], truncated: true },
    { name: 'each subset its share', subsets: [{ addresses: addrs(8, 0) }, { addresses: addrs(4, 1) }], max: 6, want: [[4, 0], [2, 0]], truncated: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = truncateSubsets(c.subsets, c.max);
      assert.equal(got.truncated, c.truncated);
      assert.deepEqual(got.subsets.map((s) => [s.addresses?.length ?? 0, s.notReadyAddresses?.length ?? 0]), c.want);
    });
  }
});

describe('desiredEndpoints', () => {
  it('carries the Service labels, the managed-by label, and over-capacity past 1000 addresses', () => {
    const pods = Array.from({ length: 1001 }, (_, i) => pod(`p${i}`, `127.244.${i >> 8}.${i & 255}`));
    const ep = desiredEndpoints(svc({}, { app: 'web' }), pods, undefined);
    assert.deepEqual(ep.metadata.labels, { app: 'web', 'endpoints.kubernetes.io/managed-by': 'endpoint-controller' });
    assert.equal(ep.metadata.annotations?.['endpoints.kubernetes.io/over-capacity'], 'truncated');
    assert.equal(ep.subsets![0].addresses!.length, 1000);
  });

  it('drops the over-capacity mark once back under, keeping other annotations', () => {
    const current = { metadata: { name: 'web', namespace: 'default', resourceVersion: '9', annotations: { 'endpoints.kubernetes.io/over-capacity': 'truncated', note: 'x' } } };
    const ep = desiredEndpoints(svc({ clusterIP: 'None' }), [pod('a', '127.244.0.1')], current);
    assert.deepEqual(ep.metadata.annotations, { note: 'x' });
    assert.equal(ep.metadata.resourceVersion, '9');
    assert.equal(ep.metadata.labels?.['service.kubernetes.io/headless'], '');
  });
});
