import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planAddresses } from './categorize.js';
import { servicePorts } from './service-ports.js';
import { sliceEndpoints } from './endpoints.js';
import { service, slice, type EndpointBrief } from '../../../test/proxy/objects.js';

const R = { ip: '127.244.0.1', node: 'node-1' };
const REMOTE = { ip: '127.244.0.2', node: 'node-2' };
const TERM = { ip: '127.244.0.3', ready: false, serving: true, terminating: true, node: 'node-1' };
const TERM_NOT_SERVING = { ip: '127.244.0.4', ready: false, serving: false, terminating: true, node: 'node-1' };
const NOT_READY = { ip: '127.244.0.5', ready: false, serving: false, node: 'node-1' };

test('endpoint choice and verdicts as kube-proxy', async (t) => {
  const cases: { name: string; eps: EndpointBrief[]; itp?: string; etp?: string; cluster: string; nodePort: string }[] = [
    { name: 'ready endpoints only', eps: [R, REMOTE, TERM, NOT_READY], cluster: 'forward .1 .2', nodePort: 'forward .1 .2' },
    { name: 'none ready: serving-terminating ones', eps: [TERM, TERM_NOT_SERVING, NOT_READY], cluster: 'forward .3', nodePort: 'forward .3' },
    { name: 'nothing usable: reject', eps: [TERM_NOT_SERVING, NOT_READY], cluster: 'reject', nodePort: 'reject' },
    { name: 'no endpoints: reject', eps: [], cluster: 'reject', nodePort: 'reject' },
    { name: 'internalTrafficPolicy Local keeps local ones', eps: [R, REMOTE], itp: 'Local', cluster: 'forward .1', nodePort: 'forward .1 .2' },
    { name: 'internalTrafficPolicy Local, none local: drop', eps: [REMOTE], itp: 'Local', cluster: 'drop', nodePort: 'forward .2' },
    { name: 'externalTrafficPolicy Local, none local: drop external only', eps: [REMOTE], etp: 'Local', cluster: 'forward .2', nodePort: 'drop' },
    { name: 'both Local, none local: reject', eps: [REMOTE], itp: 'Local', etp: 'Local', cluster: 'reject', nodePort: 'reject' },
    { name: 'Local falls back to local serving-terminating', eps: [REMOTE, TERM], etp: 'Local', cluster: 'forward .2', nodePort: 'forward .3' },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const svc = servicePorts(
        service('a', { type: 'NodePort', internalTrafficPolicy: c.itp, externalTrafficPolicy: c.etp, ports: [{ name: 'http', protocol: 'TCP', port: 80, nodePort: 30080 }] }),
      )[0];
      const eps = sliceEndpoints(slice('a', c.eps), 'node-1').get(svc.key)!;
      const plans = planAddresses(svc, eps, ['127.0.0.1']);
      const show = (kind: string): string => {
        const p = plans.find((x) => x.kind === kind)!;
        return [p.verdict, ...p.endpoints.map((e) => e.ip.slice(e.ip.lastIndexOf('.')))].join(' ');
      };
      assert.equal(show('ClusterIP'), c.cluster);
      assert.equal(show('NodePort'), c.nodePort);
    });
  }
});

test('addresses of every kind', () => {
  const svc = servicePorts({
    ...service('lb', { type: 'LoadBalancer', externalIPs: ['127.200.0.1'], ports: [{ name: '', protocol: 'UDP', port: 53, nodePort: 30053 }] }),
    status: { loadBalancer: { ingress: [{ ip: '127.240.0.1' }, { ip: '127.240.0.2', ipMode: 'Proxy' }] } },
  })[0];
  assert.deepEqual(
    planAddresses(svc, [], ['127.0.0.1']).map((a) => `${a.kind} ${a.ip}:${a.port}`),
    ['ClusterIP 127.96.0.10:53', 'ExternalIP 127.200.0.1:53', 'LoadBalancer 127.240.0.1:53', 'NodePort 127.0.0.1:30053'],
  );
});
