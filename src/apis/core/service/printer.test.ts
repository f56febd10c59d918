import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultService } from './defaults.js';
import { serviceRow } from './printer.js';
import type { Service, ServiceSpec, ServiceStatus } from './types.js';

const now = new Date('2024-05-01T12:00:00Z');
const row = (spec: ServiceSpec, status?: ServiceStatus): unknown[] =>
  serviceRow({ metadata: { name: 'web', creationTimestamp: '2024-05-01T11:55:00Z' }, spec, status }, now);

test('serviceRow prints cells as kubectl shows them', () => {
  const cases: { name: string; spec: ServiceSpec; status?: ServiceStatus; want: unknown[] }[] = [
    {
      name: 'ClusterIP',
      spec: { type: 'ClusterIP', clusterIPs: ['10.96.0.1'], ports: [{ port: 443, protocol: 'TCP' }] },
      want: ['web', 'ClusterIP', '10.96.0.1', '<none>', '443/TCP', '5m', '<none>'],
    },
    {
      name: 'NodePort with several ports and a selector',
      spec: {
        type: 'NodePort',
        clusterIPs: ['10.96.0.7'],
        selector: { tier: 'front', app: 'web' },
        ports: [
          { port: 80, nodePort: 30008, protocol: 'TCP' },
          { port: 443, protocol: 'TCP' },
        ],
      },
      want: ['web', 'NodePort', '10.96.0.7', '<none>', '80:30008/TCP,443/TCP', '5m', 'app=web,tier=front'],
    },
    {
      name: 'LoadBalancer without ingress',
      spec: { type: 'LoadBalancer', clusterIPs: ['10.96.0.8'], ports: [{ port: 80, nodePort: 31771, protocol: 'TCP' }] },
      want: ['web', 'LoadBalancer', '10.96.0.8', '<pending>', '80:31771/TCP', '5m', '<none>'],
    },
    {
      name: 'LoadBalancer with ingress and external IPs',
      spec: { type: 'LoadBalancer', clusterIPs: ['10.96.0.8'], externalIPs: ['1.1.1.1'], ports: [{ port: 80, protocol: 'TCP' }] },
      status: { loadBalancer: { ingress: [{ ip: '5.5.5.5' }, { hostname: 'lb.example.com' }, { ip: '5.5.5.5' }] } },
      want: ['web', 'LoadBalancer', '10.96.0.8', '5.5.5.5,lb.example.com,1.1.1.1', '80/TCP', '5m', '<none>'],
    },
    {
      name: 'ExternalName',
      spec: { type: 'ExternalName', externalName: 'db.example.com' },
      want: ['web', 'ExternalName', '<none>', 'db.example.com', '<none>', '5m', '<none>'],
    },
    {
      name: 'headless',
      spec: { type: 'ClusterIP', clusterIPs: ['None'], ports: [{ port: 80, protocol: 'UDP' }] },
      want: ['web', 'ClusterIP', 'None', '<none>', '80/UDP', '5m', '<none>'],
    },
  ];
  for (const c of cases) assert.deepEqual(row(c.spec, c.status), c.want, c.name);
});

test('defaultService', () => {
  const cases: { name: string; spec: ServiceSpec; want: ServiceSpec }[] = [
    {
      name: 'ClusterIP',
      spec: { ports: [{ port: 80, targetPort: 0, nodePort: 0 }] },
      want: {
        ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
        sessionAffinity: 'None',
        type: 'ClusterIP',
        internalTrafficPolicy: 'Cluster',
      },
    },
    {
      name: 'LoadBalancer with ClientIP affinity',
      spec: { type: 'LoadBalancer', sessionAffinity: 'ClientIP', ports: [{ port: 53, protocol: 'UDP', targetPort: 'dns' }] },
      want: {
        type: 'LoadBalancer',
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
        ports: [{ port: 53, protocol: 'UDP', targetPort: 'dns' }],
        externalTrafficPolicy: 'Cluster',
        internalTrafficPolicy: 'Cluster',
        allocateLoadBalancerNodePorts: true,
      },
    },
    {
      name: 'ExternalName',
      spec: { type: 'ExternalName', externalName: 'x.example.com' },
      want: { type: 'ExternalName', externalName: 'x.example.com', sessionAffinity: 'None' },
    },
  ];
  for (const c of cases) {
    const s: Service = { metadata: {}, spec: c.spec };
    defaultService(s);
    assert.deepEqual(s.spec, c.want, c.name);
    assert.deepEqual(s.status, { loadBalancer: {} }, c.name);
  }
});
