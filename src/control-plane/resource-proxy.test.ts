import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { podLocation, proxiedPath, serviceLocation, splitSchemeNamePort } from './resource-proxy.js';
import type { Endpoints } from '../apis/core/endpoints.js';
import type { Pod } from '../apis/core/pods.js';
import type { Service } from '../apis/core/service/types.js';
import { StatusError } from '../util/status-errors.js';

const svc = { metadata: { name: 'web', namespace: 'default' }, spec: { ports: [{ name: 'http', port: 80 }, { name: 'metrics', port: 9090 }] } } as Service;
const eps = {
  metadata: { name: 'web', namespace: 'default' },
  subsets: [
    {
      addresses: [{ ip: '10.244.0.5', targetRef: { kind: 'Pod', name: 'web-1', namespace: 'default' } }],
      ports: [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9100 }],
    },
  ],
} as Endpoints;

const fails = (fn: () => unknown, code: number, message: string): void =>
  assert.throws(fn, (e: unknown) => e instanceof StatusError && e.code === code && e.message === message);

describe('splitSchemeNamePort', () => {
  const cases: [string, ReturnType<typeof splitSchemeNamePort>][] = [
    ['web', { scheme: '', name: 'web', port: '' }],
    ['web:80', { scheme: '', name: 'web', port: '80' }],
    ['https:web:443', { scheme: 'https', name: 'web', port: '443' }],
    ['ftp:web:21', undefined],
    [':80', undefined],
    ['a:b:c:d', undefined],
  ];
  for (const [id, want] of cases) it(id, () => assert.deepEqual(splitSchemeNamePort(id), want));
});

describe('serviceLocation', () => {
  it('maps a port number or name to the endpoint port of that name', () => {
    assert.deepEqual(serviceLocation('web:80', svc, eps), { scheme: 'http', ip: '10.244.0.5', port: 8080, pod: { namespace: 'default', name: 'web-1' } });
    assert.equal(serviceLocation('https:web:metrics', svc, eps).port, 9100);
    assert.equal(serviceLocation('https:web:metrics', svc, eps).scheme, 'https');
  });
  it("words kube-apiserver's errors", () => {
    fails(() => serviceLocation('web:81', svc, eps), 503, 'no service port 81 found for service "web"');
    fails(() => serviceLocation('web:80', svc, { ...eps, subsets: [] }), 503, 'no endpoints available for service "web"');
    fails(() => serviceLocation('web:nope', svc, eps), 503, 'no endpoints available for service "web:nope"');
    fails(() => serviceLocation('gopher:web:80', svc, eps), 400, 'invalid service request "gopher:web:80"');
  });
});

describe('podLocation', () => {
  const pod = { metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }] }, status: { podIP: '10.244.1.2' } } as Pod;
  it('takes a number, a container port name, or the first declared port', () => {
    assert.equal(podLocation('p:9000', pod).port, 9000);
    assert.equal(podLocation('p:http', pod).port, 8080);
    assert.equal(podLocation('p', pod).port, 8080);
  });
  it('refuses a pod without an IP and a port out of range', () => {
    fails(() => podLocation('p', { ...pod, status: {} }), 400, 'address not allowed');
    fails(() => podLocation('p:70000', pod), 400, 'invalid pod request "p:70000"');
  });
});

describe('proxiedPath', () => {
  const u = (p: string): URL => new URL(p, 'https://x');
  it('is what follows NAME/proxy, undefined when nothing does', () => {
    assert.equal(proxiedPath(u('/api/v1/namespaces/d/services/proxy:80/proxy/a/b'), 'proxy:80'), '/a/b');
    assert.equal(proxiedPath(u('/api/v1/namespaces/d/services/web/proxy/'), 'web'), '/');
    assert.equal(proxiedPath(u('/api/v1/namespaces/d/services/web/proxy'), 'web'), undefined);
  });
});
