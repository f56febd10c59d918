// Endpoints and EndpointSlices with the real kubectl, in the spirit of the conformance tests
// (CONFORMANCE.md 11, 12, 16, 18, 19, 43, 45): endpoints start empty, follow pods as they
// are created, become Ready and are deleted, and end empty; each port of a multi-port Service
// tracks its own pods; a named targetPort resolves per pod; a selector-less Service with manual
// Endpoints is mirrored; a LoadBalancer pool of 2 leaves a third Service pending until another
// is deleted. Pods need the node agent and the workload controllers; the mirroring and
// LoadBalancer parts need only the Service controllers.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Tinykube, eventually, rows } from './harness.js';

const POD_TIMEOUT_MS = 30_000;

/** The ENDPOINTS cell of `kubectl get endpoints NAME`, as a sorted list (empty for <none>). */
function endpointsOf(t: Tinykube, name: string): string[] {
  const cell = rows(t.k(`get endpoints ${name}`))[0][1];
  return cell === '<none>' ? [] : cell.split(',').sort();
}

/** Every ready `ip:port` of a Service's EndpointSlices. */
function sliceEndpoints(t: Tinykube, name: string): string[] {
  const list = JSON.parse(t.k(`get endpointslices -l kubernetes.io/service-name=${name} -o json`));
  const out: string[] = [];
  for (const s of list.items)
    for (const e of s.endpoints ?? []) if (e.conditions?.ready) for (const p of s.ports ?? []) out.push(`${e.addresses[0]}:${p.port}`);
  return out.sort();
}

const podIP = (t: Tinykube, name: string): string => t.k(['get', 'pod', name, '-o', 'jsonpath={.status.podIP}']).trim();

function pod(name: string, labels: Record<string, string>, ports: { name?: string; containerPort: number }[]): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { containers: [{ name: 'c', image: 'registry.k8s.io/e2e-test-images/agnhost:2.53', args: ['netexec'], ports }] },
  });
}

describe('Endpoints and EndpointSlices with kubectl', () => {
  let t: Tinykube;
  before(async () => {
    t = await Tinykube.start();
  });
  after(async () => {
    await t?.destroy();
  });

  it('serve a basic endpoint from pods: empty, then each pod, then empty again (conformance 11, 12, 18, 19, 43)', async () => {
    t.k('create service clusterip endpoint-test2 --tcp=80:80');
    t.k(['patch', 'service', 'endpoint-test2', '-p', '{"spec":{"selector":{"app":"endpoint-test2"}}}']);
    // An empty slice exists for a selector that matches nothing; the Endpoints has no addresses.
    await eventually(() => rows(t.k('get endpointslices -l kubernetes.io/service-name=endpoint-test2')).length === 1, 10_000, 'the empty slice');
    const [slice] = rows(t.k('get endpointslices -l kubernetes.io/service-name=endpoint-test2'));
    assert.deepEqual(slice.slice(1, 4), ['IPv4', '<unset>', '<unset>']);
    await eventually(() => endpointsOf(t, 'endpoint-test2').length === 0, 10_000, 'empty Endpoints');

    t.k('apply -f -', pod('pod1', { app: 'endpoint-test2' }, [{ containerPort: 80 }]));
    const ip1 = await eventually(() => sliceEndpoints(t, 'endpoint-test2').length === 1 && podIP(t, 'pod1'), POD_TIMEOUT_MS, 'pod1 ready');
    assert.deepEqual(sliceEndpoints(t, 'endpoint-test2'), [`${ip1}:80`]);
    await eventually(() => endpointsOf(t, 'endpoint-test2').join() === `${ip1}:80`, 10_000, 'pod1 in Endpoints');

    t.k('apply -f -', pod('pod2', { app: 'endpoint-test2' }, [{ containerPort: 80 }]));
    const ip2 = await eventually(() => sliceEndpoints(t, 'endpoint-test2').length === 2 && podIP(t, 'pod2'), POD_TIMEOUT_MS, 'pod2 ready');
    await eventually(() => endpointsOf(t, 'endpoint-test2').join() === [`${ip1}:80`, `${ip2}:80`].sort().join(), 10_000, 'both in Endpoints');
    assert.match(t.k('describe svc endpoint-test2'), new RegExp(`^Endpoints:\\s+(${ip1}:80,${ip2}:80|${ip2}:80,${ip1}:80)$`, 'm'));

    t.k('delete pod pod1 --wait=false');
    await eventually(() => endpointsOf(t, 'endpoint-test2').join() === `${ip2}:80`, POD_TIMEOUT_MS, 'pod1 gone');
    t.k('delete pod pod2 --wait=false');
    await eventually(() => endpointsOf(t, 'endpoint-test2').length === 0 && sliceEndpoints(t, 'endpoint-test2').length === 0, POD_TIMEOUT_MS, 'empty again');
    // Terminating pods stay until their processes exit; the next test reuses their names.
    t.k('wait --for=delete pod/pod1 pod/pod2 --timeout=60s');

    t.k('delete service endpoint-test2');
    await eventually(() => rows(t.k('get endpointslices -l kubernetes.io/service-name=endpoint-test2')).length === 0, 10_000, 'slices deleted with the Service');
    assert.equal(t.kubectl('get endpoints endpoint-test2').code, 1);
  });

  it('serve multiport endpoints from pods: each port tracks its own pods (conformance 45)', async () => {
    t.k('apply -f -', JSON.stringify({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'multi-endpoint-test' },
      spec: {
        selector: { app: 'multi-endpoint-test' },
        ports: [
          { name: 'portname1', port: 80, targetPort: 'svc1' },
          { name: 'portname2', port: 81, targetPort: 'svc2' },
        ],
      },
    }));
    t.k('apply -f -', pod('pod1', { app: 'multi-endpoint-test' }, [{ name: 'svc1', containerPort: 100 }]));
    t.k('apply -f -', pod('pod2', { app: 'multi-endpoint-test' }, [{ name: 'svc2', containerPort: 101 }]));
    await eventually(() => sliceEndpoints(t, 'multi-endpoint-test').length === 2, POD_TIMEOUT_MS, 'both pods ready');
    const [ip1, ip2] = [podIP(t, 'pod1'), podIP(t, 'pod2')];
    assert.deepEqual(sliceEndpoints(t, 'multi-endpoint-test'), [`${ip1}:100`, `${ip2}:101`].sort());
    await eventually(() => endpointsOf(t, 'multi-endpoint-test').join() === [`${ip1}:100`, `${ip2}:101`].sort().join(), 10_000, 'Endpoints');
    t.k('delete pod pod1 --wait=false');
    await eventually(() => sliceEndpoints(t, 'multi-endpoint-test').join() === `${ip2}:101`, POD_TIMEOUT_MS, 'only pod2');
    t.k('delete pod pod2 --wait=false');
    t.k('delete service multi-endpoint-test');
  });

  it('a Deployment behind a Service: endpoints follow scale, a named targetPort resolves per pod', async () => {
    t.k('apply -f -', JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'named' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'named' } },
        template: { metadata: { labels: { app: 'named' } }, spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }] }] } },
      },
    }));
    t.k('expose deployment named --port=80 --target-port=http');
    await eventually(() => sliceEndpoints(t, 'named').length === 2, POD_TIMEOUT_MS, 'two endpoints');
    assert.ok(sliceEndpoints(t, 'named').every((e) => e.endsWith(':8080')));
    t.k('scale deployment named --replicas=3');
    await eventually(() => sliceEndpoints(t, 'named').length === 3 && endpointsOf(t, 'named').length === 3, POD_TIMEOUT_MS, 'three endpoints');

    // Pods whose port named `http` has another number: their own slice.
    t.k('apply -f -', pod('odd', { app: 'named' }, [{ name: 'http', containerPort: 9090 }]));
    await eventually(() => sliceEndpoints(t, 'named').length === 4, POD_TIMEOUT_MS, 'odd pod ready');
    const slices = JSON.parse(t.k('get endpointslices -l kubernetes.io/service-name=named -o json')).items;
    assert.deepEqual(slices.map((s: { ports: { port: number }[] }) => s.ports[0].port).sort(), [8080, 9090]);
    t.k('delete pod odd --wait=false');
    t.k('scale deployment named --replicas=0');
    await eventually(() => endpointsOf(t, 'named').length === 0 && sliceEndpoints(t, 'named').length === 0, POD_TIMEOUT_MS, 'scaled to zero');
    t.k('delete deployment named');
    t.k('delete service named');
  });

  it('mirrors a custom Endpoints of a selector-less Service through create, update and delete (conformance 16)', async () => {
    t.k('create service clusterip example-custom-endpoints --tcp=80:80');
    t.k(['patch', 'service', 'example-custom-endpoints', '--type=json', '-p', '[{"op":"remove","path":"/spec/selector"}]']);
    const endpoints = (ip: string, port: number) => JSON.stringify({
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'example-custom-endpoints', labels: { 'example-label': 'mirror' } },
      subsets: [{ addresses: [{ ip }], ports: [{ name: '80-80', port, protocol: 'TCP' }] }],
    });
    t.k('apply -f -', endpoints('10.1.2.3', 80));
    const selector = '-l kubernetes.io/service-name=example-custom-endpoints,endpointslice.kubernetes.io/managed-by=endpointslicemirroring-controller.k8s.io';
    await eventually(() => rows(t.k(`get endpointslices ${selector}`)).length === 1, 10_000, 'a mirrored slice');
    const [mirrored] = rows(t.k(`get endpointslices ${selector}`));
    assert.deepEqual(mirrored.slice(1, 4), ['IPv4', '80', '10.1.2.3']);
    assert.match(t.k('describe svc example-custom-endpoints'), /^Endpoints:\s+10\.1\.2\.3:80$/m);

    t.k('apply -f -', endpoints('10.2.3.4', 8080));
    await eventually(() => rows(t.k(`get endpointslices ${selector}`))[0]?.slice(2, 4).join() === '8080,10.2.3.4', 10_000, 'the update mirrored');
    assert.equal(rows(t.k(`get endpointslices ${selector}`)).length, 1);

    t.k('delete endpoints example-custom-endpoints');
    await eventually(() => t.k(`get endpointslices ${selector} -o name`).trim() === '', 10_000, 'mirrored slices deleted');
    t.k('delete service example-custom-endpoints');
  });

  it("leaves the kubernetes Service's endpoints to the API server (conformance 1)", () => {
    assert.match(endpointsOf(t, 'kubernetes').join(), /^127\.0\.0\.1:\d+$/);
    const managed = t.k('get endpointslices -l endpointslice.kubernetes.io/managed-by -o name');
    assert.doesNotMatch(managed, /kubernetes$/m);
  });
});

describe('LoadBalancer address pools with kubectl', () => {
  let t: Tinykube;
  before(async () => {
    t = await Tinykube.start(['--lb-pool', '127.240.5.1-127.240.5.2']);
  });
  after(async () => {
    await t?.destroy();
  });

  const externalIP = (name: string): string => rows(t.k(`get svc ${name}`))[0][3];

  it('a pool of 2 and 3 LoadBalancer Services leaves one pending until another is deleted', async () => {
    for (const name of ['lb-1', 'lb-2', 'lb-3']) {
      t.k(`create service loadbalancer ${name} --tcp=80:8080`);
      if (name !== 'lb-3') await eventually(() => externalIP(name) !== '<pending>', 10_000, `${name} assigned`);
    }
    assert.deepEqual([externalIP('lb-1'), externalIP('lb-2')].sort(), ['127.240.5.1', '127.240.5.2']);
    await eventually(() => /AllocationFailed/.test(t.k('describe svc lb-3')), 10_000, 'the AllocationFailed event');
    assert.equal(externalIP('lb-3'), '<pending>');
    assert.match(t.k('describe svc lb-3'), /Warning\s+AllocationFailed\s+.*Failed to allocate IP for "default\/lb-3": no available IPs/);

    const freed = externalIP('lb-1');
    t.k('delete service lb-1');
    await eventually(() => externalIP('lb-3') === freed, 10_000, 'lb-3 gets the freed address');
    assert.match(t.k('describe svc lb-3'), new RegExp(`^LoadBalancer Ingress:\\s+${freed.replace(/\./g, '\\.')}`, 'm'));
  });

  it('keeps every address across a restart', async () => {
    const before = [externalIP('lb-2'), externalIP('lb-3')];
    await t.down();
    await t.up();
    await eventually(() => t.kubectl('get svc lb-2').code === 0, 10_000, 'the API back');
    assert.deepEqual([externalIP('lb-2'), externalIP('lb-3')], before);
  });
});
