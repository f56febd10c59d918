import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { componentStatuses } from './componentstatuses.js';
import { endpoints, type Endpoints } from './endpoints.js';
import { events, type Event } from './events.js';
import { namespaces, type Namespace } from './namespaces.js';
import { nodes, type Node } from './nodes.js';

const NOW = new Date('2024-01-02T00:00:00Z');
const T0 = '2024-01-01T00:00:00Z';
const msgs = (errs: { field: string; message: string }[]): string[] => errs.map((e) => `${e.field}: ${e.message}`);

describe('namespaces', () => {
  it('defaults, prepares and prints', () => {
    const ns: Namespace = { metadata: { name: 'test01', creationTimestamp: T0 } };
    namespaces.defaults!(ns);
    namespaces.prepareForCreate!(ns);
    assert.deepEqual(ns.metadata.labels, { 'kubernetes.io/metadata.name': 'test01' });
    assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] });
    assert.deepEqual(namespaces.validate!(ns), []);
    assert.deepEqual(namespaces.row(ns, NOW), ['test01', 'Active', '24h']);
    assert.deepEqual(namespaces.selectableFields!(ns), { 'status.phase': 'Active', name: 'test01' });
  });
  it('names are DNS-1123 labels', () => {
    const ns: Namespace = { metadata: { name: 'a.b' } };
    assert.deepEqual(msgs(namespaces.validate!(ns)), ['metadata.name: Invalid value: "a.b": must not contain dots']);
  });
  it('keeps finalizers on update', () => {
    const old: Namespace = { metadata: { name: 'x' }, spec: { finalizers: ['kubernetes'] } };
    const ns: Namespace = { metadata: { name: 'x' }, spec: { finalizers: [] } };
    namespaces.prepareForUpdate!(ns, old);
    assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] });
  });
});

describe('endpoints', () => {
  const ep = (subsets: Endpoints['subsets']): Endpoints => ({ metadata: { name: 'web', namespace: 'default', creationTimestamp: T0 }, subsets });
  const rows: { name: string; ep: Endpoints; want: string }[] = [
    { name: 'none', ep: ep(undefined), want: '<none>' },
    { name: 'one port', ep: ep([{ addresses: [{ ip: '10.244.0.11' }, { ip: '10.244.0.12' }], ports: [{ port: 8080 }] }]), want: '10.244.0.11:8080,10.244.0.12:8080' },
    {
      name: 'more than three',
      ep: ep([{ addresses: ['1', '2', '3', '4', '5'].map((n) => ({ ip: `10.0.0.${n}` })), ports: [{ port: 80 }] }]),
      want: '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...',
    },
    { name: 'headless without ports', ep: ep([{ addresses: [{ ip: '10.0.0.1' }] }]), want: '10.0.0.1' },
    { name: 'IPv6', ep: ep([{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 80 }] }]), want: '[fd00::1]:80' },
    { name: 'only not-ready addresses', ep: ep([{ notReadyAddresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }]), want: '' },
  ];
  for (const c of rows) it(`prints: ${c.name}`, () => assert.deepEqual(endpoints.row(c.ep, NOW), ['web', c.want, '24h']));

  const invalid: { name: string; ep: Endpoints; want: string[] }[] = [
    { name: 'loopback pod IPs are fine here', ep: ep([{ addresses: [{ ip: '127.244.0.5' }], ports: [{ port: 80, protocol: 'TCP' }] }]), want: [] },
    {
      name: 'empty subset',
      ep: ep([{ ports: [{ port: 80, protocol: 'TCP' }] }]),
      want: ['subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`'],
    },
    {
      name: 'bad ip and port',
      ep: ep([{ addresses: [{ ip: 'nope' }], ports: [{ port: 0, protocol: 'TCP' }] }]),
      want: [
        'subsets[0].addresses[0].ip: Invalid value: "nope": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
        'subsets[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
      ],
    },
    {
      name: 'link-local',
      ep: ep([{ addresses: [{ ip: '169.254.1.1' }], ports: [{ port: 80, protocol: 'TCP' }] }]),
      want: ['subsets[0].addresses[0].ip: Invalid value: "169.254.1.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)'],
    },
  ];
  for (const c of invalid) it(`validates: ${c.name}`, () => assert.deepEqual(msgs(endpoints.validate!(c.ep)), c.want));

  it('defaults protocols', () => {
    const e = ep([{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }]);
    endpoints.defaults!(e);
    assert.equal(e.subsets![0].ports![0].protocol, 'TCP');
  });
});

describe('nodes', () => {
  const node = (over: Partial<Node> = {}): Node => ({
    metadata: { name: 'node1', creationTimestamp: T0, labels: { 'node-role.kubernetes.io/control-plane': '' } },
    status: {
      conditions: [{ type: 'Ready', status: 'True' }],
      addresses: [{ type: 'InternalIP', address: '10.0.0.5' }],
      nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian', kernelVersion: '6.1', containerRuntimeVersion: 'tinykube://0.1' },
    },
    ...over,
  });
  const cases: { name: string; node: Node; status: string; roles: string }[] = [
    { name: 'ready control plane', node: node(), status: 'Ready', roles: 'control-plane' },
    { name: 'cordoned', node: node({ spec: { unschedulable: true } }), status: 'Ready,SchedulingDisabled', roles: 'control-plane' },
    { name: 'not ready, no roles', node: node({ metadata: { name: 'n' }, status: { conditions: [{ type: 'Ready', status: 'False' }] } }), status: 'NotReady', roles: '<none>' },
    { name: 'unknown, legacy role', node: node({ metadata: { name: 'n', labels: { 'kubernetes.io/role': 'worker' } }, status: {} }), status: 'Unknown', roles: 'worker' },
  ];
  for (const c of cases)
    it(c.name, () => {
      const row = nodes.row(c.node, NOW);
      assert.equal(row.length, nodes.columns.length);
      assert.deepEqual(row.slice(1, 3), [c.status, c.roles]);
    });
  it('wide cells', () => assert.deepEqual(nodes.row(node(), NOW).slice(3), ['24h', 'v1.32.0', '10.0.0.5', '<none>', 'Debian', '6.1', 'tinykube://0.1']));
  it('selectable fields', () => assert.deepEqual(nodes.selectableFields!(node({ spec: { unschedulable: true } })), { 'spec.unschedulable': 'true' }));
  it('validates taints', () =>
    assert.deepEqual(msgs(nodes.validate!(node({ spec: { taints: [{ key: 'a', effect: 'Sometimes' }] } }))), [
      'spec.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    ]));
});

describe('events', () => {
  const ev = (over: Partial<Event> = {}): Event => ({
    metadata: { name: 'web.17f1a2b3c4d5e6f7', namespace: 'default', creationTimestamp: T0 },
    involvedObject: { kind: 'Pod', namespace: 'default', name: 'web' },
    reason: 'Started',
    message: 'Started container app ',
    source: { component: 'kubelet', host: 'node1' },
    firstTimestamp: '2024-01-01T23:00:00Z',
    lastTimestamp: '2024-01-01T23:55:00Z',
    count: 3,
    type: 'Normal',
    ...over,
  });
  it('prints a row', () =>
    assert.deepEqual(events.row(ev(), NOW), ['5m', 'Normal', 'Started', 'pod/web', '', 'kubelet, node1', 'Started container app', '60m', 3, 'web.17f1a2b3c4d5e6f7']));
  it('a singleton event of the new API', () => {
    const row = events.row(ev({ firstTimestamp: null, lastTimestamp: null, eventTime: '2024-01-01T23:59:00Z', count: 0, source: {}, reportingComponent: 'ctrl' }), NOW);
    assert.deepEqual([row[0], row[5], row[7], row[8]], ['60s', 'ctrl', '60s', 1]);
  });
  it('valid with a dotted name', () => assert.deepEqual(events.validate!(ev()), []));
  it('namespace must match the object', () =>
    assert.deepEqual(msgs(events.validate!(ev({ involvedObject: { kind: 'Pod', namespace: 'other', name: 'x' } }))), [
      'involvedObject.namespace: Invalid value: "other": does not match event.namespace',
    ]));
  it('selectable fields', () => {
    const f = events.selectableFields!(ev());
    assert.equal(f['involvedObject.kind'], 'Pod');
    assert.equal(f.source, 'kubelet');
    assert.equal(f.type, 'Normal');
  });
});

describe('componentstatuses', () => {
  const cases: { name: string; conditions: { type: string; status: string; message?: string; error?: string }[]; want: string[] }[] = [
    { name: 'healthy', conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }], want: ['etcd-0', 'Healthy', 'ok', ''] },
    { name: 'unhealthy', conditions: [{ type: 'Healthy', status: 'False', error: 'down' }], want: ['etcd-0', 'Unhealthy', '', 'down'] },
    { name: 'unknown', conditions: [], want: ['etcd-0', 'Unknown', '', ''] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(componentStatuses.row({ metadata: { name: 'etcd-0' }, conditions: c.conditions }, NOW), c.want));
  it('is read-only', () => assert.deepEqual(componentStatuses.verbs, ['get', 'list']));
});
