import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { stateFromObjects } from '../state/build-state.js';
import { service, slice } from '../../../test/proxy/objects.js';
import { goTime, healthCheckServices, ProxyHealth, serviceHealthAnswer } from './answers.js';

const NODE = { nodeName: 'n1', nodePortIPs: ['127.0.0.1'] };
const lb = (name: string, hcnp?: number) =>
  service(name, {
    type: 'LoadBalancer',
    externalTrafficPolicy: hcnp ? 'Local' : 'Cluster',
    ...(hcnp ? { healthCheckNodePort: hcnp } : {}),
    ports: [
      { name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080 },
      { name: 'alt', protocol: 'TCP', port: 81, targetPort: 8080, nodePort: 30081 },
    ],
  });

describe("kube-proxy's health check answers", () => {
  it('counts the distinct ready local endpoints of each service with a health check port', () => {
    const ports = [{ name: 'http', port: 8080 }, { name: 'alt', port: 8080 }];
    const state = stateFromObjects(
      [lb('web', 31000), lb('empty', 31001), lb('cluster')],
      [
        slice('web', [{ ip: '10.0.0.1', node: 'n1' }, { ip: '10.0.0.2', node: 'n1', ready: false, serving: true, terminating: true }, { ip: '10.0.0.3', node: 'n2' }], ports),
        slice('empty', [{ ip: '10.0.0.4', node: 'n2' }], ports),
        slice('cluster', [{ ip: '10.0.0.5', node: 'n1' }], ports),
      ],
      NODE,
    );
    assert.deepEqual([...healthCheckServices(state).values()], [
      { namespace: 'default', name: 'empty', port: 31001, localEndpoints: 0 },
      { namespace: 'default', name: 'web', port: 31000, localEndpoints: 1 },
    ]);
  });

  it('answers 200 with local endpoints, 503 without, in kube-proxy\'s JSON', () => {
    const body = (n: number, healthy: boolean): string =>
      `{\n\t"service": {\n\t\t"namespace": "default",\n\t\t"name": "web"\n\t},\n\t"localEndpoints": ${n},\n\t"serviceProxyHealthy": ${healthy}\n}`;
    const svc = { namespace: 'default', name: 'web' };
    assert.deepEqual(serviceHealthAnswer({ ...svc, localEndpoints: 2 }, true), { status: 200, headers: { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff' }, body: body(2, true) });
    assert.equal(serviceHealthAnswer({ ...svc, localEndpoints: 0 }, true).status, 503);
    assert.equal(serviceHealthAnswer({ ...svc, localEndpoints: 2 }, false).status, 503);
    assert.equal(serviceHealthAnswer({ ...svc, localEndpoints: 2 }, false).body, body(2, false));
  });

  it('the proxy is unhealthy once a change waits longer than the timeout for a sync', () => {
    let now = Date.parse('2026-12-05T01:00:00Z');
    const h = new ProxyHealth(() => now, 60_000);
    assert.ok(h.healthy(), 'healthy while starting');
    h.queued();
    now += 59_000;
    assert.ok(h.healthy());
    now += 1_000;
    assert.equal(h.healthy(), false);
    assert.deepEqual(h.healthz(), {
      status: 503,
      headers: { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff' },
      body: `{"lastUpdated": "${goTime(0)}","currentTime": "2026-12-05 01:01:00.000000000 +0000 UTC", "nodeEligible": true}`,
    });
    h.updated();
    assert.equal(h.livez().status, 200);
    assert.equal(h.livez().body, '{"lastUpdated": "2026-12-05 01:01:00.000000000 +0000 UTC","currentTime": "2026-12-05 01:01:00.000000000 +0000 UTC"}');
  });
});
