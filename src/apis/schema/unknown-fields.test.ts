import { test } from 'node:test';
import assert from 'node:assert/strict';
import { schemaFor } from './index.js';
import { unknownFields } from './unknown-fields.js';

const cases: { name: string; apiVersion: string; kind: string; obj: unknown; want: string[] }[] = [
  {
    name: 'a valid service',
    apiVersion: 'v1',
    kind: 'Service',
    obj: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', labels: { app: 'web' }, creationTimestamp: null },
      spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http', nodePort: 30008 }] },
      status: { loadBalancer: {} },
    },
    want: [],
  },
  {
    name: 'unknown fields at every depth',
    apiVersion: 'v1',
    kind: 'Service',
    obj: { metadata: { labelz: {} }, spec: { foo: 1, ports: [{ port: 80 }, { port: 81, bogus: true }] }, extra: 1 },
    want: ['metadata.labelz', 'spec.foo', 'spec.ports[1].bogus', 'extra'],
  },
  {
    name: 'a tutorial deployment with probes, env from fields, volumes and resources',
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    obj: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'a', operator: 'In', values: ['b'] }] },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              {
                name: 'web',
                image: 'nginx',
                ports: [{ containerPort: 80, name: 'http' }],
                env: [
                  { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                  { name: 'K', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k', optional: true } } },
                ],
                readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 2 },
                livenessProbe: { tcpSocket: { port: 80 } },
                resources: { limits: { cpu: '100m', memory: '64Mi' } },
                volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg' }],
                securityContext: { runAsUser: 1000, anything: { goes: true } },
              },
            ],
            volumes: [{ name: 'cfg', configMap: { name: 'cm', items: [{ key: 'a', path: 'b' }] } }, { name: 'tmp', emptyDir: {} }],
            affinity: { nodeAffinity: {} },
          },
        },
      },
    },
    want: [],
  },
  {
    name: 'unknown fields beside inline structs',
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    obj: {
      spec: {
        template: {
          spec: {
            containers: [{ name: 'a', readinessProbe: { httpGet: { port: 80 }, handler: {} }, env: [{ name: 'x', valueFrom: { secretKeyRef: { nam: 's' } } }] }],
            volumes: [{ name: 'v', volumeSource: {} }],
          },
        },
      },
    },
    want: [
      'spec.template.spec.containers[0].readinessProbe.handler',
      'spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.nam',
      'spec.template.spec.volumes[0].volumeSource',
    ],
  },
  {
    name: 'an endpointslice',
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    obj: {
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true, serving: true, terminating: false, x: 1 }, nodeName: 'n1' }],
      ports: [{ name: '', port: 80, protocol: 'TCP' }],
    },
    want: ['endpoints[0].conditions.x'],
  },
  {
    name: 'quantities in a map are not walked',
    apiVersion: 'v1',
    kind: 'Node',
    obj: { status: { capacity: { cpu: '4' }, addresses: [{ type: 'InternalIP', address: '127.0.0.1', port: 1 }] } },
    want: ['status.addresses[0].port'],
  },
];

for (const c of cases) {
  test(`unknownFields: ${c.name}`, () => {
    const schema = schemaFor(c.apiVersion, c.kind);
    assert.ok(schema);
    assert.deepEqual(unknownFields(c.obj, schema), c.want);
  });
}
