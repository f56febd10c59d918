// The card of a Service, from objects as the API returns them: addresses, pods with their
// endpoint states, and the reason when nothing serves.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from '../apis/core/service/types.js';
import type { EndpointSlice } from '../apis/discovery/endpointslices.js';
import type { Node } from '../apis/core/nodes.js';
import type { Pod } from '../apis/core/pods.js';
import { serviceView } from './model.js';
import { addRates, formatRate, renderCard, type Rate } from './render-card.js';

const svc = (spec: Service['spec'], annotations?: Record<string, string>): Service => ({ metadata: { name: 'web', namespace: 'default', annotations }, spec });
const node: Node = { metadata: { name: 'n1' }, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }] } };
const pod = (name: string, ready: boolean, extra: Partial<Pod['metadata']> = {}, ports: { name?: string; containerPort: number }[] = [{ containerPort: 8080 }]): Pod => ({
  metadata: { name, namespace: 'default', labels: { app: 'web', 'pod-template-hash': 'abc' }, ...extra },
  spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx', ports }] },
  status: { podIP: `127.244.0.${name.length}`, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
const slice = (endpoints: { pod: string; ip: string; ready?: boolean; terminating?: boolean }[]): EndpointSlice => ({
  metadata: { name: 'web-x1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
  addressType: 'IPv4',
  ports: [{ name: '', port: 8080, protocol: 'TCP' }],
  endpoints: endpoints.map((e) => ({ addresses: [e.ip], nodeName: 'n1', targetRef: { kind: 'Pod', name: e.pod }, conditions: { ready: e.ready ?? true, serving: e.ready ?? true, terminating: e.terminating ?? false } })),
});

const nodePort = svc({ type: 'NodePort', clusterIP: '127.96.0.5', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080, nodePort: 30080, protocol: 'TCP' }], sessionAffinity: 'ClientIP' }, { 'tinykube.io/scheduler': 'lc' });

test('a NodePort Service: its addresses, scheduler, affinity, and pods with their endpoint states', () => {
  const v = serviceView(nodePort, {
    slices: [slice([{ pod: 'a', ip: '127.244.0.1' }, { pod: 'bb', ip: '127.244.0.2', ready: false, terminating: true }])],
    pods: [pod('a', true), pod('bb', true, { deletionTimestamp: '2026-01-01T00:00:00Z' }), pod('ccc', false)],
    nodes: [node],
  });
  assert.deepEqual(v.addresses, [
    { kind: 'ClusterIP', address: '127.96.0.5:80' },
    { kind: 'NodePort', address: '127.0.0.1:30080', node: 'n1' },
  ]);
  assert.equal(v.scheduler, 'lc');
  assert.equal(v.affinity, 'ClientIP 10800s');
  assert.deepEqual(v.pods.map((p) => [p.name, p.state, p.endpoints]), [
    ['a', 'ready', ['127.244.0.1:8080']],
    ['bb', 'terminating', ['127.244.0.2:8080']],
    ['ccc', 'not-an-endpoint', []],
  ]);
  assert.equal(v.problem, undefined);
  const card = renderCard(v, new Map([['127.244.0.1:8080', { connectionsPerSecond: 2, bytesPerSecond: 2048, open: 1, counters: ['n1 (userspace)'] }]]));
  assert.match(card.svg, /2\.0 conn\/s · 2\.0 KiB\/s · 1 open · by n1 \(userspace\)/);
  assert.match(card.svg, /<title>conn\/s: connections opened per second/);
  assert.match(card.svg, /data-ref="Pod\/ccc"/);
  assert.match(card.svg, />app=web</);
});

const problems: { name: string; service: Service; pods: Pod[]; want: string | undefined }[] = [
  { name: 'no pod matches', service: nodePort, pods: [], want: 'no pod matches the selector app=web' },
  { name: 'pods not ready', service: nodePort, pods: [pod('a', false), pod('b', false)], want: '2 pods match the selector, none ready' },
  {
    name: 'a named targetPort no container has',
    service: svc({ clusterIP: '127.96.0.6', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http', protocol: 'TCP' }] }),
    pods: [pod('a', true, {}, [{ name: 'web', containerPort: 8080 }])],
    want: 'wrong targetPort: no container of the selected pods has a port named "http"',
  },
  { name: 'no selector', service: svc({ clusterIP: '127.96.0.7', ports: [{ port: 80 }] }), pods: [], want: 'no selector, and no EndpointSlice made by hand' },
  { name: 'ExternalName needs none', service: svc({ type: 'ExternalName', externalName: 'db.example.com' }), pods: [], want: undefined },
];

for (const c of problems) {
  test(`a Service without endpoints says why: ${c.name}`, () => {
    assert.equal(serviceView(c.service, { slices: [], pods: c.pods, nodes: [node] }).problem, c.want);
  });
}

test('rates of one pod counted by two nodes in a kernel mode: connections and bytes add up, nothing open, both nodes named', () => {
  const kernel = (node: string, cps: number, bps: number): Rate => ({ connectionsPerSecond: cps, bytesPerSecond: bps, counters: [`${node} (nftables)`] });
  const sum = addRates(kernel('node-2', 1.5, 1000), kernel('node-1', 2, 1048));
  assert.deepEqual(sum, { connectionsPerSecond: 3.5, bytesPerSecond: 2048, counters: ['node-1 (nftables)', 'node-2 (nftables)'] });
  assert.equal(formatRate(sum), '3.5 conn/s · 2.0 KiB/s · by node-1 (nftables), node-2 (nftables)');
  // A node whose iptables mode has no ipset counts connections only.
  assert.equal(formatRate({ connectionsPerSecond: 2, counters: ['n4 (iptables)'] }), '2.0 conn/s · B/s n/a · by n4 (iptables)');
  // Beside a userspace count, the bytes add up; the open connections are userspace's.
  assert.equal(formatRate(addRates(sum, { connectionsPerSecond: 1, bytesPerSecond: 100, open: 2, counters: ['n3 (userspace)'] })), '4.5 conn/s · 2.1 KiB/s · 2 open · by n3 (userspace), node-1 (nftables), node-2 (nftables)');
});
