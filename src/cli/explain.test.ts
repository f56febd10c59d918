import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stateFromObjects } from '../proxy/state/build-state.js';
import { service, slice } from '../proxy/testing/objects.js';
import { explainService } from './explain.js';

const node = { nodeName: 'node-1', nodePortIPs: ['127.0.0.1'] };

test('explainService says what happens on each address', async (t) => {
  const cases = [
    {
      name: 'terminating fallback, affinity, scheduler annotation',
      svc: service('a', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }, { 'tinykube.io/scheduler': 'lc' }),
      eps: [{ ip: '127.244.0.1', ready: false, serving: true, terminating: true, pod: 'a-1' }],
      want: [
        /scheduler: lc — least connection/,
        /session affinity: ClientIP — .* for 60s/,
        /127\.244\.0\.1:8080  not ready, serving, terminating  on node-1 \(this node\)  a-1/,
        /127\.96\.0\.10:80 \(ClusterIP\): listener TCP\/127\.96\.0\.10:80 forwards to one of 1 endpoints cluster-wide, none ready so serving-and-terminating ones are used/,
      ],
    },
    {
      name: 'externalTrafficPolicy Local without a local endpoint drops on the NodePort',
      svc: service('b', { type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ name: 'http', protocol: 'TCP', port: 80, nodePort: 30080 }] }),
      eps: [{ ip: '127.244.0.2', node: 'node-2' }],
      want: [/127\.0\.0\.1:30080 \(NodePort\): dropped — externalTrafficPolicy is Local and this node has no usable endpoint/, /traffic policy: internal Cluster, external Local/],
    },
    {
      name: 'a bad annotation is reported',
      svc: service('c', {}, { 'tinykube.io/scheduler': 'fastest' }),
      eps: [{ ip: '127.244.0.3' }],
      want: [/warning: tinykube\.io\/scheduler: unknown scheduler "fastest"/, /scheduler: rr/],
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const name = c.svc.metadata.name!;
      const text = explainService(stateFromObjects([c.svc], [slice(name, c.eps)], node), 'default', name);
      for (const re of c.want) assert.match(text, re);
    });
  }
  await t.test('headless or unknown services have no address', () => {
    const text = explainService(stateFromObjects([service('h', { clusterIP: 'None', clusterIPs: ['None'] })], [], node), 'default', 'h');
    assert.match(text, /headless or ExternalName/);
  });
});
