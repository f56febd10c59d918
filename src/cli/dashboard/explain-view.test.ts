// Explain in the page: the node a client's packets reach, explain's own text for it, the DNS
// names, and Status errors for a bad query.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from '../../apis/core/service/types.js';
import type { EndpointSlice } from '../../apis/discovery/endpointslices.js';
import type { Node } from '../../apis/core/nodes.js';
import type { Pod } from '../../apis/core/pods.js';
import { StatusError } from '../../util/status-errors.js';
import { explainView, parseExplainQuery, type ExplainObjects } from './explain-view.js';

const node = (name: string, ip: string, ready: boolean): Node => ({
  metadata: { name },
  status: { addresses: [{ type: 'InternalIP', address: ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
const svc: Service = {
  metadata: { name: 'web', namespace: 'default', uid: 'u1' },
  spec: { type: 'NodePort', clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080, protocol: 'TCP' }] },
};
const slice: EndpointSlice = {
  metadata: { name: 'web-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  endpoints: [{ addresses: ['10.244.2.5'], nodeName: 'n2', conditions: { ready: true, serving: true, terminating: false }, targetRef: { kind: 'Pod', name: 'web-a' } }],
};
const pod: Pod = { metadata: { name: 'client', namespace: 'default' }, spec: { nodeName: 'n2', containers: [] } };
const objects: ExplainObjects = { services: [svc], slices: [slice], nodes: [node('n1', '172.20.0.11', false), node('n2', '172.20.0.12', true)], pods: [pod] };
const opts = { modeOf: (n: string) => (n === 'n2' ? 'nftables' : 'userspace'), clusterDomain: 'cluster.local', clusterCIDR: '10.244.0.0/16' };

test('the outside client reaches a Ready node: its NodePort, in its mode, with its rules', () => {
  const v = explainView(parseExplainQuery(new URLSearchParams('service=web&from=outside')), objects, opts);
  assert.equal(v.node, 'n2');
  assert.equal(v.mode, 'nftables');
  assert.match(v.words, /172\.20\.0\.12:30080 \(NodePort\): listener TCP\/172\.20\.0\.12:30080 forwards to one of 1 endpoints/);
  assert.match(v.rules!, /table ip tinykube on node n2 \(nftables mode/);
  assert.deepEqual(v.dns, [
    'web.default.svc.cluster.local → A 10.96.0.20',
    'web, web.default, web.default.svc (from pods of default, by the search path)',
    '_http._tcp.web.default.svc.cluster.local → SRV 80 web.default.svc.cluster.local',
  ]);
});

test("a pod's packets meet its own node's proxy; a node's, its own", () => {
  assert.equal(explainView(parseExplainQuery(new URLSearchParams('service=web&from=pod/client')), objects, opts).node, 'n2');
  const fromN1 = explainView(parseExplainQuery(new URLSearchParams('service=web&from=node/n1')), objects, opts);
  assert.equal(fromN1.node, 'n1');
  assert.equal(fromN1.rules, undefined);
});

const bad: { name: string; query: string; code: number; message: RegExp }[] = [
  { name: 'no service', query: 'from=outside', code: 400, message: /^service: Required value$/ },
  { name: 'an unknown client', query: 'service=web&from=laptop', code: 400, message: /^from: Unsupported value: "laptop"/ },
  { name: 'a Service that is not there', query: 'service=nope', code: 404, message: /services "nope" not found/ },
  { name: 'a pod that is not there', query: 'service=web&from=pod/ghost', code: 404, message: /pods "ghost" not found/ },
];
for (const c of bad) {
  test(`explain in the page refuses ${c.name} with a Status error`, () => {
    assert.throws(
      () => explainView(parseExplainQuery(new URLSearchParams(c.query)), objects, opts),
      (e: unknown) => e instanceof StatusError && e.code === c.code && c.message.test(e.message),
    );
  });
}
