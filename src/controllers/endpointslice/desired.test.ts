import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../apis/core/pods.js';
import type { Service } from '../../apis/core/service/types.js';
import type { KubeObject } from '../../apis/types.js';
import { desiredSlices, podToEndpoint } from './desired.js';

const svc = (spec: Partial<Service['spec']> = {}): Service => ({
  metadata: { name: 'web', namespace: 'default', uid: 'svc-uid' },
  spec: { selector: { app: 'web' }, clusterIP: '127.96.0.5', ipFamilies: ['IPv4'], ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }], ...spec },
});

interface PodOpts {
  ready?: boolean;
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  ips?: string[];
  deleting?: boolean;
  node?: string;
  hostname?: string;
  subdomain?: string;
  ports?: { name?: string; containerPort: number; protocol?: string }[];
}

function pod(name: string, o: PodOpts = {}): Pod {
  const ips = o.ips ?? ['127.244.0.1'];
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}`, ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: {
      nodeName: o.node ?? 'node1',
      containers: [{ name: 'c', ports: o.ports ?? [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }],
      ...(o.hostname ? { hostname: o.hostname } : {}),
      ...(o.subdomain ? { subdomain: o.subdomain } : {}),
    },
    status: {
      phase: o.phase ?? 'Running',
      podIP: ips[0],
      podIPs: ips.map((ip) => ({ ip })),
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  };
}

const nodes: Record<string, KubeObject> = { node1: { metadata: { name: 'node1', labels: { 'topology.kubernetes.io/zone': 'zone-a' } } } };
const lookup = (n: string) => nodes[n];

describe('podToEndpoint conditions', () => {
  const cases: { name: string; pod: PodOpts; publish?: boolean; want: { ready: boolean; serving: boolean; terminating: boolean } }[] = [
    { name: 'ready pod', pod: {}, want: { ready: true, serving: true, terminating: false } },
    { name: 'not ready pod', pod: { ready: false }, want: { ready: false, serving: false, terminating: false } },
    { name: 'terminating ready pod', pod: { deleting: true }, want: { ready: false, serving: true, terminating: true } },
    { name: 'terminating not ready pod', pod: { deleting: true, ready: false }, want: { ready: false, serving: false, terminating: true } },
    { name: 'publishNotReadyAddresses: not ready is ready', pod: { ready: false }, publish: true, want: { ready: true, serving: false, terminating: false } },
    { name: 'publishNotReadyAddresses: terminating is ready', pod: { deleting: true }, publish: true, want: { ready: true, serving: true, terminating: true } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const e = podToEndpoint(pod('p', c.pod), nodes.node1, svc({ publishNotReadyAddresses: c.publish }), ['127.244.0.1']);
      assert.deepEqual(e.conditions, c.want);
    });
  }
});

describe('desiredSlices', () => {
  const cases: {
    name: string;
    svc?: Partial<Service['spec']>;
    pods: Pod[];
    want: { addressType: string; ports: unknown[]; endpoints: string[] }[];
    unknown?: string[];
  }[] = [
    { name: 'no pods: no groups', pods: [], want: [] },
    {
      name: 'pods without an address or finished are left out',
      pods: [pod('a'), pod('b', { ips: [] }), pod('c', { phase: 'Succeeded' }), pod('d', { phase: 'Failed' })],
      want: [{ addressType: 'IPv4', ports: [{ name: '', port: 8080, protocol: 'TCP' }], endpoints: ['a'] }],
    },
    {
      name: 'a named targetPort resolves per pod into groups by port',
      svc: { ports: [{ name: 'web', port: 80, targetPort: 'http', protocol: 'TCP' }] },
      pods: [
        pod('a', { ports: [{ name: 'http', containerPort: 8080 }] }),
        pod('b', { ports: [{ name: 'http', containerPort: 9090 }] }),
        pod('c', { ports: [{ name: 'http', containerPort: 8080, protocol: 'UDP' }] }),
      ],
      want: [
        { addressType: 'IPv4', ports: [{ name: 'web', port: 8080, protocol: 'TCP' }], endpoints: ['a'] },
        { addressType: 'IPv4', ports: [{ name: 'web', port: 9090, protocol: 'TCP' }], endpoints: ['b'] },
        { addressType: 'IPv4', ports: [], endpoints: ['c'] },
      ],
    },
    {
      name: 'an absent targetPort means the port itself',
      svc: { ports: [{ port: 80, protocol: 'UDP' }] },
      pods: [pod('a')],
      want: [{ addressType: 'IPv4', ports: [{ name: '', port: 80, protocol: 'UDP' }], endpoints: ['a'] }],
    },
    {
      name: 'a pod on an unknown node waits',
      pods: [pod('a', { node: 'ghost' })],
      want: [],
      unknown: ['a'],
    },
    {
      name: 'unless every address is published',
      svc: { publishNotReadyAddresses: true },
      pods: [pod('a', { node: 'ghost' })],
      want: [{ addressType: 'IPv4', ports: [{ name: '', port: 8080, protocol: 'TCP' }], endpoints: ['a'] }],
    },
    {
      name: 'dual-stack: one group per family',
      svc: { ipFamilies: ['IPv4', 'IPv6'] },
      pods: [pod('a', { ips: ['127.244.0.1', 'fd00::1'] }), pod('b', { ips: ['127.244.0.2'] })],
      want: [
        { addressType: 'IPv4', ports: [{ name: '', port: 8080, protocol: 'TCP' }], endpoints: ['a', 'b'] },
        { addressType: 'IPv6', ports: [{ name: '', port: 8080, protocol: 'TCP' }], endpoints: ['a'] },
      ],
    },
    {
      name: 'a headless Service without ports lists addresses with no ports',
      svc: { clusterIP: 'None', ports: [] },
      pods: [pod('a')],
      want: [{ addressType: 'IPv4', ports: [], endpoints: ['a'] }],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = desiredSlices(svc(c.svc), c.pods, lookup);
      assert.deepEqual(
        got.groups.map((g) => ({ addressType: g.addressType, ports: g.ports, endpoints: g.endpoints.map((e) => e.targetRef!.name) })),
        c.want,
      );
      assert.deepEqual(got.podsOnUnknownNodes, c.unknown ?? []);
    });
  }

  it('fills nodeName, zone, targetRef, and hostname only for the subdomain naming the Service', () => {
    const { groups } = desiredSlices(svc(), [pod('a', { hostname: 'h', subdomain: 'web' }), pod('b', { hostname: 'h2', subdomain: 'other', ips: ['127.244.0.2'] })], lookup);
    const [a, b] = groups[0].endpoints;
    assert.deepEqual(a, {
      addresses: ['127.244.0.1'],
      conditions: { ready: true, serving: true, terminating: false },
      hostname: 'h',
      targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' },
      nodeName: 'node1',
      zone: 'zone-a',
    });
    assert.equal(b.hostname, undefined);
  });
});
