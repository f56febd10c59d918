import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { StatusError } from '../../util/status-errors.js';
import { decodeProtobuf } from './protobuf.js';

// Bodies captured from kubectl 1.32.4 (test/fixtures/protobuf/README.md); the expected objects
// are what `kubectl create ... --dry-run=client -o json` prints, less `creationTimestamp: null`.
const fixture = (name: string) => readFileSync(new URL(`../../../test/fixtures/protobuf/${name}`, import.meta.url));

const captured: { name: string; file: string; want: Record<string, unknown> }[] = [
  {
    name: 'kubectl create namespace test01',
    file: 'namespace-test01.bin',
    want: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'test01' }, spec: {}, status: {} },
  },
  {
    name: 'kubectl create deployment hello --image=nginx --port=80 --replicas=3',
    file: 'deployment-hello.bin',
    want: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'hello', labels: { app: 'hello' } },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'hello' } },
        template: {
          metadata: { labels: { app: 'hello' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }], resources: {} }] },
        },
        strategy: {},
      },
      status: {},
    },
  },
  {
    name: 'kubectl create service nodeport hello --tcp=80:8080',
    file: 'service-nodeport-hello.bin',
    want: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'hello', labels: { app: 'hello' } },
      spec: {
        ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }],
        selector: { app: 'hello' },
        type: 'NodePort',
      },
      status: { loadBalancer: {} },
    },
  },
  {
    name: 'kubectl create service clusterip web --tcp=80:8080 --tcp=443:8443',
    file: 'service-clusterip-web.bin',
    want: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        ports: [
          { name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 },
          { name: '443-8443', protocol: 'TCP', port: 443, targetPort: 8443 },
        ],
        selector: { app: 'web' },
        type: 'ClusterIP',
      },
      status: { loadBalancer: {} },
    },
  },
  {
    name: 'kubectl create service loadbalancer lb --tcp=80:8080',
    file: 'service-loadbalancer-lb.bin',
    want: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'lb', labels: { app: 'lb' } },
      spec: {
        ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }],
        selector: { app: 'lb' },
        type: 'LoadBalancer',
      },
      status: { loadBalancer: {} },
    },
  },
  {
    name: 'kubectl create service externalname ext --external-name=example.com',
    file: 'service-externalname-ext.bin',
    want: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'ext', labels: { app: 'ext' } },
      spec: { selector: { app: 'ext' }, type: 'ExternalName', externalName: 'example.com' },
      status: { loadBalancer: {} },
    },
  },
];

for (const c of captured) {
  test(`decodeProtobuf: ${c.name}`, () => {
    const got = decodeProtobuf(fixture(c.file));
    assert.equal(got.apiVersion, c.want.apiVersion);
    assert.equal(got.kind, c.want.kind);
    assert.deepEqual(got.object, c.want);
    // Key order too, so the object reads like kubectl's JSON.
    assert.equal(JSON.stringify(got.object), JSON.stringify(c.want));
  });
}

// A tiny protobuf writer for hand-made messages: field(number, bytes|varint).
function varint(n: number): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, BigInt(n));
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}
const num = (field: number, n: number) => [...varint(field << 3), ...varint(n)];
const msg = (field: number, body: number[] | string) => {
  const bytes = typeof body === 'string' ? [...Buffer.from(body)] : body;
  return [...varint((field << 3) | 2), ...varint(bytes.length), ...bytes];
};
const envelope = (apiVersion: string, kind: string, raw: number[]) =>
  Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...msg(1, [...msg(1, apiVersion), ...msg(2, kind)]), ...msg(2, raw)]);

const handMade: { name: string; body: Uint8Array; want: Record<string, unknown> }[] = [
  {
    name: 'pointer zeros survive, value zeros go',
    body: envelope('apps/v1', 'Deployment', [
      ...msg(1, [...msg(1, 'd'), ...num(7, 0)]),
      ...msg(2, [...num(1, 0), ...num(5, 0), ...num(6, 0), ...msg(4, [...msg(1, 'RollingUpdate'), ...msg(2, [...msg(1, [...num(1, 0), ...num(2, 0)])])])]),
    ]),
    want: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: { replicas: 0, revisionHistoryLimit: 0, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0 } } },
    },
  },
  {
    name: 'times, string targetPort, inline structs and unknown field numbers',
    body: envelope('v1', 'Pod', [
      ...msg(1, [...msg(1, 'p'), ...msg(8, [...num(1, 1700000000), ...num(2, 5)]), ...msg(99, 'future field')]),
      ...msg(2, [
        ...msg(1, [...msg(1, 'cfg'), ...msg(2, [...msg(19, [...msg(1, [...msg(1, 'cm')]), ...num(3, 420)])])]),
        ...msg(2, [
          ...msg(1, 'c'),
          ...msg(11, [...msg(1, [...msg(2, [...msg(1, '/healthz'), ...msg(2, [...num(1, 1), ...msg(3, 'http')])])]), ...num(4, 2)]),
        ]),
      ]),
    ]),
    want: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', creationTimestamp: '2023-11-14T22:13:20Z' },
      spec: {
        volumes: [{ name: 'cfg', configMap: { name: 'cm', defaultMode: 420 } }],
        containers: [{ name: 'c', readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 2 } }],
      },
    },
  },
  {
    name: 'micro-time and managedFields raw JSON',
    body: envelope('coordination.k8s.io/v1', 'Lease', [
      ...msg(1, [...msg(1, 'l'), ...msg(17, [...msg(1, 'kubelet'), ...msg(7, [...msg(1, '{"f:spec":{}}')])])]),
      ...msg(2, [...msg(1, 'node-1'), ...num(2, 40), ...msg(4, [...num(1, 1700000000), ...num(2, 123456789)]), ...num(5, 0)]),
    ]),
    want: {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'l', managedFields: [{ manager: 'kubelet', fieldsV1: { 'f:spec': {} } }] },
      spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: '2023-11-14T22:13:20.123456Z', leaseTransitions: 0 },
    },
  },
];

for (const c of handMade) {
  test(`decodeProtobuf: ${c.name}`, () => {
    assert.deepEqual(decodeProtobuf(c.body).object, c.want);
  });
}

const bad: { name: string; body: Uint8Array; message: RegExp }[] = [
  { name: 'JSON instead of protobuf', body: Buffer.from('{"kind":"Service"}'), message: /the object provided is unrecognized/ },
  { name: 'truncated', body: fixture('service-clusterip-web.bin').subarray(0, 40), message: /the object provided is unrecognized/ },
  { name: 'an unknown kind', body: envelope('v1', 'Widget', []), message: /no kind "Widget" is registered for version "v1"/ },
  { name: 'a wrong wire type', body: envelope('v1', 'Service', [...num(1, 5)]), message: /wrong wire type 0 for metadata/ },
  {
    name: 'an undescribed subtree',
    body: envelope('v1', 'Pod', [...msg(2, [...msg(18, [...msg(1, [...num(1, 1)])])])]),
    message: /protobuf decoding of spec.affinity is not supported/,
  },
];

for (const c of bad) {
  test(`decodeProtobuf rejects ${c.name}`, () => {
    assert.throws(
      () => decodeProtobuf(c.body),
      (e: unknown) => e instanceof StatusError && e.code === 400 && e.reason === 'BadRequest' && c.message.test(e.message),
    );
  });
}
