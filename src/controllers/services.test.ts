// The Service controllers against an in-process API: Services and Pods are created through the
// client, pod status is written by the test (no node agent runs here), and the tests read back
// what `kubectl get endpoints,endpointslices` and `get svc` would show.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { startTestApi, type TestApi } from '../../test/support/api.js';
import { R, type Client } from '../client/client.js';
import { EventRecorder } from '../client/events.js';
import type { KubeObject } from '../apis/types.js';
import type { Endpoints } from '../apis/core/endpoints.js';
import type { EndpointSlice } from '../apis/discovery/endpointslices.js';
import type { Service } from '../apis/core/service/types.js';
import { startServiceControllers } from './services.js';
import { eventually } from '../../test/support/eventually.js';

const log = pino({ level: 'silent' });

const until = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 5000): Promise<T> =>
  eventually(fn, timeoutMs, what, 10) as Promise<T>;

interface PodOpts {
  labels?: Record<string, string>;
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  hostname?: string;
  subdomain?: string;
  node?: string;
}

class Cluster {
  constructor(readonly api: TestApi, readonly client: Client, readonly ns: string) {}

  async service(name: string, spec: Record<string, unknown>, meta: Record<string, unknown> = {}): Promise<Service> {
    return this.client.create<Service>(R.services, this.ns, { metadata: { name, ...meta }, spec });
  }

  async pod(name: string, o: PodOpts = {}): Promise<KubeObject> {
    const spec: Record<string, unknown> = {
      containers: [{ name: 'c', image: 'nginx', ports: o.ports ?? [{ containerPort: 8080 }] }],
      ...(o.hostname ? { hostname: o.hostname } : {}),
      ...(o.subdomain ? { subdomain: o.subdomain } : {}),
      nodeName: o.node ?? 'node1',
    };
    return this.client.create(R.pods, this.ns, { metadata: { name, labels: o.labels ?? { app: 'web' } }, spec });
  }

  /** What a node agent reports: Running with an address, Ready or not. */
  async podStatus(name: string, ip: string, ready: boolean): Promise<void> {
    await this.client.patch(R.pods, this.ns, name, 'merge', {
      status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
    }, { subresource: 'status' });
  }

  async slices(service: string): Promise<EndpointSlice[]> {
    const l = await this.client.list<EndpointSlice>(R.endpointSlices, this.ns, { labelSelector: `kubernetes.io/service-name=${service}` });
    return l.items;
  }

  /** `ip:port` of every ready endpoint of a Service's slices, sorted. */
  async readyEndpoints(service: string): Promise<string[]> {
    const out: string[] = [];
    for (const s of await this.slices(service))
      for (const e of s.endpoints ?? []) if (e.conditions?.ready) for (const p of s.ports ?? []) out.push(`${e.addresses[0]}:${p.port}`);
    return out.sort();
  }

  async endpoints(name: string): Promise<Endpoints | undefined> {
    return this.client.get<Endpoints>(R.endpoints, this.ns, name).catch(() => undefined);
  }

  async events(name: string): Promise<KubeObject[]> {
    const l = await this.client.list(R.events, this.ns);
    return l.items.filter((e) => (e.involvedObject as { name: string }).name === name);
  }
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

describe('Service controllers', () => {
  let api: TestApi;
  let stop: () => void;
  let nsCount = 0;
  const cluster = async (): Promise<Cluster> => {
    const client = api.client('test');
    const ns = `t${++nsCount}`;
    await client.create(R.namespaces, undefined, { metadata: { name: ns } });
    return new Cluster(api, client, ns);
  };

  before(async () => {
    api = await startTestApi();
    const client = api.client('kube-controller-manager');
    await client.create(R.nodes, undefined, { metadata: { name: 'node1', labels: { 'topology.kubernetes.io/zone': 'zone-a' } } });
    const controllers = await startServiceControllers({
      client,
      log,
      events: new EventRecorder(client, 'endpoint-controllers'),
      lbPools: ['127.240.9.1-127.240.9.2'],
      maxEndpointsPerSlice: 3,
    });
    stop = controllers.stop;
  });
  after(async () => {
    stop();
    await api.close();
  });

  it('endpoints start empty, follow pods created, ready and deleted, and end empty (conformance 11, 12, 18, 19, 43)', async () => {
    const c = await cluster();
    await c.service('web', { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] });
    const [placeholder] = await until('an empty slice', async () => (await c.slices('web')).length === 1 && c.slices('web'));
    assert.deepEqual(placeholder.endpoints ?? [], []);
    assert.equal(placeholder.addressType, 'IPv4');
    assert.equal(placeholder.metadata.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
    assert.equal(placeholder.metadata.ownerReferences?.[0].kind, 'Service');
    await until('an empty Endpoints', async () => same((await c.endpoints('web'))?.subsets ?? [], []) && true);

    await c.pod('web-1');
    await c.podStatus('web-1', '127.244.0.11', false);
    const notReady = await until('a not-ready endpoint', async () => {
      const ep = await c.endpoints('web');
      return ep?.subsets?.[0]?.notReadyAddresses?.length === 1 && ep;
    });
    assert.equal(notReady.subsets![0].notReadyAddresses![0].ip, '127.244.0.11');
    assert.deepEqual(await c.readyEndpoints('web'), []);

    await c.podStatus('web-1', '127.244.0.11', true);
    await c.pod('web-2');
    await c.podStatus('web-2', '127.244.0.12', true);
    await until('two ready endpoints', async () => same(await c.readyEndpoints('web'), ['127.244.0.11:8080', '127.244.0.12:8080']));
    const ep = await until('two ready addresses', async () => {
      const e = await c.endpoints('web');
      return e?.subsets?.[0]?.addresses?.length === 2 && e;
    });
    assert.deepEqual(ep.subsets![0].ports, [{ port: 8080, protocol: 'TCP' }]);
    assert.equal(ep.metadata.labels?.['endpoints.kubernetes.io/managed-by'], 'endpoint-controller');
    const slices = await c.slices('web');
    assert.equal(slices.length, 1, 'the placeholder was reused, not joined by a second slice');
    const e1 = slices[0].endpoints!.find((e) => e.addresses[0] === '127.244.0.11')!;
    assert.deepEqual(e1.conditions, { ready: true, serving: true, terminating: false });
    assert.equal(e1.nodeName, 'node1');
    assert.equal(e1.zone, 'zone-a');
    assert.equal(e1.targetRef?.name, 'web-1');
    assert.deepEqual(slices[0].ports, [{ name: '', port: 8080, protocol: 'TCP' }]);

    await c.client.delete(R.pods, c.ns, 'web-1', { gracePeriodSeconds: 0 });
    await c.client.delete(R.pods, c.ns, 'web-2', { gracePeriodSeconds: 0 });
    await until('no endpoints', async () => (await c.readyEndpoints('web')).length === 0 && same((await c.endpoints('web'))?.subsets ?? [], []));

    await c.client.delete(R.services, c.ns, 'web');
    await until('slices and Endpoints gone', async () => (await c.slices('web')).length === 0 && !(await c.endpoints('web')));
  });

  it('each port of a multi-port Service tracks its own pods (conformance 45)', async () => {
    const c = await cluster();
    await c.service('multi', {
      selector: { app: 'multi' },
      ports: [
        { name: 'portname1', port: 80, targetPort: 'svc1' },
        { name: 'portname2', port: 81, targetPort: 'svc2' },
      ],
    });
    await c.pod('pod1', { labels: { app: 'multi' }, ports: [{ name: 'svc1', containerPort: 100 }] });
    await c.pod('pod2', { labels: { app: 'multi' }, ports: [{ name: 'svc2', containerPort: 101 }] });
    await c.podStatus('pod1', '127.244.1.1', true);
    await c.podStatus('pod2', '127.244.1.2', true);
    const ep = await until('two subsets', async () => {
      const e = await c.endpoints('multi');
      return e?.subsets?.length === 2 && e;
    });
    assert.deepEqual(
      ep.subsets!.map((s) => [s.addresses!.map((a) => a.ip), s.ports]),
      [
        [['127.244.1.1'], [{ name: 'portname1', port: 100, protocol: 'TCP' }]],
        [['127.244.1.2'], [{ name: 'portname2', port: 101, protocol: 'TCP' }]],
      ],
    );
    await c.client.delete(R.pods, c.ns, 'pod1', { gracePeriodSeconds: 0 });
    await until('only pod2', async () => same(await c.readyEndpoints('multi'), ['127.244.1.2:101']));
  });

  it('a named targetPort resolves per pod: different numbers land in different slices', async () => {
    const c = await cluster();
    await c.service('named', { selector: { app: 'named' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] });
    for (const [name, port, ip] of [['a', 8080, '127.244.2.1'], ['b', 9090, '127.244.2.2'], ['c', 8080, '127.244.2.3']] as const) {
      await c.pod(name, { labels: { app: 'named' }, ports: [{ name: 'http', containerPort: port }] });
      await c.podStatus(name, ip, true);
    }
    await until('three endpoints in two slices', async () => (await c.slices('named')).length === 2 && (await c.readyEndpoints('named')).length === 3);
    const byPort = Object.fromEntries((await c.slices('named')).map((s) => [s.ports![0].port!, s.endpoints!.map((e) => e.addresses[0]).sort()]));
    assert.deepEqual(byPort, { 8080: ['127.244.2.1', '127.244.2.3'], 9090: ['127.244.2.2'] });
  });

  it('a selector-less Service with manual Endpoints is mirrored, updated and deleted with it (conformance 16)', async () => {
    const c = await cluster();
    await c.service('db', { ports: [{ port: 5432 }] });
    await c.client.create(R.endpoints, c.ns, {
      metadata: { name: 'db', labels: { team: 'data' } },
      subsets: [{ addresses: [{ ip: '192.0.2.42' }], ports: [{ port: 5432 }] }],
    });
    const [mirror] = await until('a mirrored slice', async () => (await c.slices('db')).length === 1 && c.slices('db'));
    assert.equal(mirror.metadata.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslicemirroring-controller.k8s.io');
    assert.equal(mirror.metadata.labels?.team, 'data');
    assert.equal(mirror.metadata.ownerReferences?.[0].kind, 'Endpoints');
    assert.deepEqual(mirror.endpoints!.map((e) => e.addresses), [['192.0.2.42']]);
    assert.deepEqual(mirror.ports, [{ name: '', port: 5432, protocol: 'TCP' }]);

    await c.client.patch(R.endpoints, c.ns, 'db', 'merge', { subsets: [{ addresses: [{ ip: '192.0.2.43' }], ports: [{ port: 5433 }] }] });
    await until('the update mirrored', async () => same(await c.readyEndpoints('db'), ['192.0.2.43:5433']));
    assert.equal((await c.slices('db')).length, 1);
    const endpoints = await c.endpoints('db');
    assert.equal(endpoints?.metadata.labels?.['endpoints.kubernetes.io/managed-by'], undefined, 'the Endpoints controller leaves it alone');

    await c.client.delete(R.endpoints, c.ns, 'db');
    await until('mirrored slices gone', async () => (await c.slices('db')).length === 0);
  });

  it('mirroring skips Endpoints labelled skip-mirror and leaves user-made slices alone', async () => {
    const c = await cluster();
    await c.service('ext', { ports: [{ port: 80 }] });
    await c.client.create(R.endpoints, c.ns, {
      metadata: { name: 'ext', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
      subsets: [{ addresses: [{ ip: '192.0.2.50' }], ports: [{ port: 80 }] }],
    });
    await c.client.create(R.endpointSlices, c.ns, {
      metadata: { name: 'ext-manual', labels: { 'kubernetes.io/service-name': 'ext' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['192.0.2.60'] }],
      ports: [{ name: '', port: 80, protocol: 'TCP' }],
    });
    // A canary written after them must be mirrored. The queue hands out keys first in, first out,
    // so `ext` was synced before the canary's mirror was written: a mirror of `ext` would exist.
    await c.service('canary', { ports: [{ port: 80 }] });
    await c.client.create(R.endpoints, c.ns, { metadata: { name: 'canary' }, subsets: [{ addresses: [{ ip: '192.0.2.70' }], ports: [{ port: 80 }] }] });
    await until('the canary mirrored', async () => (await c.slices('canary')).length === 1);
    assert.deepEqual((await c.slices('ext')).map((s) => s.metadata.name), ['ext-manual']);
  });

  it('publishNotReadyAddresses, terminating pods, hostname and the headless label', async () => {
    const c = await cluster();
    await c.service('sts', { selector: { app: 'sts' }, clusterIP: 'None', publishNotReadyAddresses: true, ports: [{ port: 80 }] });
    await c.pod('sts-0', { labels: { app: 'sts' }, hostname: 'sts-0', subdomain: 'sts', ports: [{ containerPort: 80 }] });
    await c.podStatus('sts-0', '127.244.3.1', false);
    const [slice] = await until('an endpoint', async () => (await c.slices('sts'))[0]?.endpoints?.length === 1 && c.slices('sts'));
    assert.equal(slice.metadata.labels?.['service.kubernetes.io/headless'], '');
    assert.deepEqual(slice.endpoints![0].conditions, { ready: true, serving: false, terminating: false });
    assert.equal(slice.endpoints![0].hostname, 'sts-0');
    const ep = await until('Endpoints', async () => c.endpoints('sts'));
    assert.equal(ep.subsets?.[0].addresses?.[0].hostname, 'sts-0');

    await c.service('term', { selector: { app: 'term' }, ports: [{ port: 80, targetPort: 8080 }] });
    await c.pod('term-1', { labels: { app: 'term' } });
    // A finalizer keeps the pod around while it terminates, as a kubelet's grace period would.
    await c.client.patch(R.pods, c.ns, 'term-1', 'merge', { metadata: { finalizers: ['test/hold'] } });
    await c.podStatus('term-1', '127.244.3.2', true);
    await until('ready', async () => (await c.readyEndpoints('term')).length === 1);
    await c.client.delete(R.pods, c.ns, 'term-1', { gracePeriodSeconds: 0 });
    const terminating = await until('terminating', async () => {
      const e = (await c.slices('term'))[0]?.endpoints?.[0];
      return e?.conditions?.terminating && e;
    });
    assert.deepEqual(terminating.conditions, { ready: false, serving: true, terminating: true });
    await until('gone from Endpoints', async () => same((await c.endpoints('term'))?.subsets ?? [], []));
    await c.client.patch(R.pods, c.ns, 'term-1', 'merge', { metadata: { finalizers: null } });
    await until('gone from the slice', async () => ((await c.slices('term'))[0]?.endpoints ?? []).length === 0);
  });

  it('splits past maxEndpointsPerSlice and leaves unchanged slices alone', async () => {
    const c = await cluster();
    await c.service('big', { selector: { app: 'big' }, ports: [{ port: 80, targetPort: 8080 }] });
    for (let i = 1; i <= 7; i++) {
      await c.pod(`big-${i}`, { labels: { app: 'big' } });
      await c.podStatus(`big-${i}`, `127.244.4.${i}`, true);
    }
    await until('seven endpoints', async () => (await c.readyEndpoints('big')).length === 7);
    const slices = await c.slices('big');
    assert.equal(slices.length, 3);
    assert.ok(slices.every((s) => s.endpoints!.length <= 3));
    const versions = new Map(slices.map((s) => [s.metadata.name, s.metadata.resourceVersion]));
    await c.podStatus('big-1', '127.244.4.1', false);
    await until('one not ready', async () => (await c.readyEndpoints('big')).length === 6);
    const after = await c.slices('big');
    const rewritten = after.filter((s) => versions.get(s.metadata.name) !== s.metadata.resourceVersion);
    assert.equal(rewritten.length, 1, 'only the slice holding big-1 was written');
    assert.ok(rewritten[0].endpoints!.some((e) => e.targetRef?.name === 'big-1'));
  });

  it('LoadBalancer: a pool of 2 and 3 Services leaves one pending until another is deleted', async () => {
    const c = await cluster();
    const lb = (name: string) => c.service(name, { type: 'LoadBalancer', selector: { app: name }, ports: [{ port: 80 }] });
    const ingress = async (name: string) => (await c.client.get<Service>(R.services, c.ns, name)).status?.loadBalancer?.ingress?.map((i) => i.ip) ?? [];
    await lb('lb-1');
    await until('lb-1 assigned', async () => (await ingress('lb-1')).length === 1);
    await lb('lb-2');
    await until('lb-2 assigned', async () => (await ingress('lb-2')).length === 1);
    await lb('lb-3');
    await until('lb-3 AllocationFailed', async () => (await c.events('lb-3')).some((e) => e.reason === 'AllocationFailed'));
    assert.deepEqual(await ingress('lb-3'), []);
    const failed = (await c.events('lb-3')).find((e) => e.reason === 'AllocationFailed')!;
    assert.equal(failed.message, `Failed to allocate IP for "${c.ns}/lb-3": no available IPs`);
    assert.equal(failed.type, 'Warning');
    assert.deepEqual([...(await ingress('lb-1')), ...(await ingress('lb-2'))].sort(), ['127.240.9.1', '127.240.9.2']);
    const freed = (await ingress('lb-1'))[0];
    await c.client.delete(R.services, c.ns, 'lb-1');
    await until('lb-3 gets the freed address', async () => same(await ingress('lb-3'), [freed]));
    assert.ok((await c.events('lb-3')).some((e) => e.reason === 'IPAllocated' && e.message === `Assigned IP ["${freed}"]`));
    // A type change releases the address too.
    await c.client.patch(R.services, c.ns, 'lb-2', 'merge', { spec: { type: 'ClusterIP' } });
    await c.client.delete(R.services, c.ns, 'lb-3');
    await lb('lb-4');
    await lb('lb-5');
    await until('both assigned', async () => (await ingress('lb-4')).length === 1 && (await ingress('lb-5')).length === 1);
    await c.client.delete(R.services, c.ns, 'lb-4');
    await c.client.delete(R.services, c.ns, 'lb-5');
  });
  it('LoadBalancer: a requested address, a shared address, and a foreign class', async () => {
    const c = await cluster();
    const ingress = async (name: string) => (await c.client.get<Service>(R.services, c.ns, name)).status?.loadBalancer?.ingress ?? [];
    const share = { 'metallb.universe.tf/allow-shared-ip': 'dns' };
    await c.service('dns-tcp', { type: 'LoadBalancer', selector: { app: 'dns' }, ports: [{ name: 'tcp', port: 53, protocol: 'TCP' }] }, {
      annotations: { ...share, 'metallb.universe.tf/loadBalancerIPs': '127.240.9.2' },
    });
    await c.service('dns-udp', { type: 'LoadBalancer', selector: { app: 'dns' }, ports: [{ name: 'udp', port: 53, protocol: 'UDP' }] }, {
      annotations: { 'tinykube.io/allow-shared-ip': 'dns', 'tinykube.io/load-balancer-ips': '127.240.9.2' },
    });
    await c.service('other-class', { type: 'LoadBalancer', loadBalancerClass: 'example.com/lb', selector: { app: 'x' }, ports: [{ port: 80 }] });
    await until('both on .2', async () => (await ingress('dns-tcp'))[0]?.ip === '127.240.9.2' && (await ingress('dns-udp'))[0]?.ip === '127.240.9.2');
    assert.deepEqual(await ingress('dns-tcp'), [{ ip: '127.240.9.2', ipMode: 'VIP' }]);
    await c.service('taken', { type: 'LoadBalancer', loadBalancerIP: '127.240.9.2', selector: { app: 'y' }, ports: [{ port: 80 }] });
    await until('taken fails', async () => (await c.events('taken')).some((e) => e.reason === 'AllocationFailed'));
    assert.deepEqual(await ingress('other-class'), [], 'a Service of another class is not ours to serve');
    for (const n of ['dns-tcp', 'dns-udp', 'other-class', 'taken']) await c.client.delete(R.services, c.ns, n);
  });
});

describe('LoadBalancer addresses across a restart', () => {
  it('keep their addresses: status is read back before anything is assigned', async () => {
    const api = await startTestApi();
    const client = api.client('kube-controller-manager');
    const start = () => startServiceControllers({ client, log, events: new EventRecorder(client, 'lb'), lbPools: ['127.240.7.1/32', '127.240.7.2/32'] });
    const ingress = async (name: string) => (await client.get<Service>(R.services, 'default', name)).status?.loadBalancer?.ingress?.[0]?.ip;
    const lb = (name: string) => client.create(R.services, 'default', { metadata: { name }, spec: { type: 'LoadBalancer', selector: { app: name }, ports: [{ port: 80 }] } });
    let controllers = await start();
    try {
      await lb('z-old');
      assert.equal(await until('z-old assigned', () => ingress('z-old')), '127.240.7.1');
      controllers.stop();
      // Created while the controllers are down, and listed first: a naive restart would hand
      // it the lowest address, z-old's.
      await lb('a-new');
      controllers = await start();
      assert.equal(await until('a-new assigned', () => ingress('a-new')), '127.240.7.2');
      assert.equal(await ingress('z-old'), '127.240.7.1');
    } finally {
      controllers.stop();
      await api.close();
    }
  });
});

describe('Service controllers on a dual-stack cluster', () => {
  it('one EndpointSlice per family, Endpoints in the primary family, LoadBalancer addresses per family', async () => {
    const api = await startTestApi({ serviceCIDR: '127.96.0.0/16,fd00:10:96::/108' });
    const client = api.client('kube-controller-manager');
    const { stop } = await startServiceControllers({
      client,
      log,
      events: new EventRecorder(client, 'ds'),
      lbPools: ['127.240.8.1/32', 'fd00:240::10-fd00:240::11'],
    });
    const c = new Cluster(api, client, 'default');
    try {
      await client.create(R.nodes, undefined, { metadata: { name: 'node1' } });
      const svc = await c.service('web', { ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv6'], selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] });
      assert.deepEqual(svc.spec.ipFamilies, ['IPv6', 'IPv4']);
      await c.pod('web-1');
      await client.patch(R.pods, 'default', 'web-1', 'merge', {
        status: { phase: 'Running', podIP: '127.244.0.21', podIPs: [{ ip: '127.244.0.21' }, { ip: 'fd00:10:244::21' }], conditions: [{ type: 'Ready', status: 'True' }] },
      }, { subresource: 'status' });
      const byType = await until('a slice per family, each with the pod', async () => {
        const m = new Map((await c.slices('web')).map((s) => [s.addressType, (s.endpoints ?? []).map((e) => e.addresses.join(','))]));
        return same(m.get('IPv4'), ['127.244.0.21']) && same(m.get('IPv6'), ['fd00:10:244::21']) && m;
      });
      assert.equal(byType.size, 2);
      await until('Endpoints in the primary family (IPv6)', async () => (await c.endpoints('web'))?.subsets?.[0]?.addresses?.[0]?.ip === 'fd00:10:244::21');

      const ingress = async (name: string) => (await client.get<Service>(R.services, 'default', name)).status?.loadBalancer?.ingress?.map((i) => i.ip) ?? [];
      await c.service('dual', { type: 'LoadBalancer', ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv6', 'IPv4'], selector: { app: 'x' }, ports: [{ port: 80 }] });
      assert.deepEqual(await until('an address per family, in ipFamilies order', async () => (await ingress('dual')).length === 2 && ingress('dual')), ['fd00:240::10', '127.240.8.1']);
      await c.service('six', { type: 'LoadBalancer', ipFamilies: ['IPv6'], selector: { app: 'y' }, ports: [{ port: 80 }] });
      assert.deepEqual(await until('six assigned', async () => (await ingress('six')).length === 1 && ingress('six')), ['fd00:240::11']);
      // The IPv4 pool is empty now: a dual-stack Service gets nothing rather than half.
      await c.service('dual-2', { type: 'LoadBalancer', ipFamilyPolicy: 'PreferDualStack', selector: { app: 'z' }, ports: [{ port: 80 }] });
      await until('dual-2 fails', async () => (await c.events('dual-2')).some((e) => e.reason === 'AllocationFailed'));
      assert.deepEqual(await ingress('dual-2'), []);
      await client.delete(R.services, 'default', 'dual');
      assert.deepEqual(await until('dual-2 gets the freed addresses', async () => (await ingress('dual-2')).length === 2 && ingress('dual-2')), ['127.240.8.1', 'fd00:240::10']);
    } finally {
      stop();
      await api.close();
    }
  });
});
