// The real proxy against an in-process API: Services and EndpointSlices written by hand,
// pointing at small servers on 127.247.x.y, and real TCP/UDP clients through the VIPs.
// Its addresses and NodePorts are its own, outside a loopback cluster's defaults (ClusterIPs
// 127.96.0.0/16, LoadBalancers 127.240.0.0/24, pods 127.244.0.0/16, NodePorts 30000-32767 on
// 127.0.0.1): a cluster or bench running on this machine holds those, and this file's backends
// and listeners then failed with EADDRINUSE.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { startTestApi, type TestApi } from '../../test/support/api.js';
import type { Service } from '../apis/core/service/types.js';
import type { EndpointSlice } from '../apis/discovery/endpointslices.js';
import { R, type Client } from '../client/client.js';
import { EventRecorder } from '../client/events.js';
import { explainService } from './explain.js';
import { startProxy, type RunningProxy } from './index.js';
import { createService as createServiceIn, putSlice as putSliceIn } from '../../test/proxy/api.js';
import type { slice, EndpointBrief } from '../../test/proxy/objects.js';
import { closeAll, connectOutcome, get, httpBackend, tcpServer, udpAsk, udpBackend } from '../../test/proxy/servers.js';
import { eventually } from '../../test/support/eventually.js';

let api: TestApi;
let client: Client;
let proxy: RunningProxy;

before(async () => {
  api = await startTestApi({ serviceCIDR: '127.98.0.0/16', nodePortRange: { min: 29000, max: 29999 } });
  client = api.client('test');
  proxy = await startProxy({
    client,
    log: pino({ level: 'silent' }),
    events: new EventRecorder(client, 'tinykube-proxy', 'node-1'),
    nodeName: 'node-1',
    nodeIPs: ['127.0.0.1'],
    drainMs: 2_000,
    udpIdleTimeoutMs: 5_000,
  });
});

after(async () => {
  await proxy.stop();
  await closeAll();
  await api.close();
});

const createService = (name: string, spec: Partial<Service['spec']>, annotations?: Record<string, string>): Promise<Service> =>
  createServiceIn(client, name, spec, annotations);
const putSlice = (svc: string, eps: EndpointBrief[], ports?: Parameters<typeof slice>[2]): Promise<void> => putSliceIn(client, svc, eps, ports);

const vip = (s: Service): string => s.spec.clusterIP!;
const hosts = async (ip: string, port: number, n: number): Promise<string[]> => {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await get(ip, port));
  return out;
};
const distinct = (xs: string[]): string[] => [...new Set(xs)].sort();

test('ClusterIP, NodePort and LoadBalancer addresses spread requests over every endpoint', async () => {
  await Promise.all([1, 2, 3].map((i) => httpBackend(`127.247.1.${i}`, 8080, `web-${i}`)));
  const svc = await createService('web', { type: 'LoadBalancer', ports: [{ name: 'http', protocol: 'TCP', port: 8080, targetPort: 8080 }] });
  await client.patch(R.services, 'default', 'web', 'merge', { status: { loadBalancer: { ingress: [{ ip: '127.241.0.77' }] } } }, { subresource: 'status' });
  await putSlice('web', [1, 2, 3].map((i) => ({ ip: `127.247.1.${i}`, pod: `web-${i}` })));
  const nodePort = svc.spec.ports![0].nodePort!;
  await eventually(() => get('127.241.0.77', 8080), 5_000, 'LoadBalancer IP serving');
  for (const [ip, port] of [[vip(svc), 8080], ['127.0.0.1', nodePort], ['127.241.0.77', 8080]] as const) {
    assert.deepEqual(distinct(await hosts(ip, port, 12)), ['web-1', 'web-2', 'web-3'], `${ip}:${port}`);
  }
  const text = explainService(proxy.state(), 'default', 'web');
  assert.match(text, new RegExp(`${vip(svc).replace(/\./g, '\\.')}:8080 \\(ClusterIP\\): listener TCP/.* forwards to one of 3 endpoints cluster-wide`));
  assert.match(text, /127\.247\.1\.2:8080  ready, serving  on node-1 \(this node\)  web-2/);
  assert.match(text, /scheduler: rr/);
});

test('sessionAffinity ClientIP: sticky, then off, then on again', async () => {
  await Promise.all([1, 2, 3].map((i) => httpBackend(`127.247.2.${i}`, 8080, `aff-${i}`)));
  const svc = await createService('aff', { sessionAffinity: 'ClientIP', ports: [{ name: 'http', protocol: 'TCP', port: 8080 }] });
  await putSlice('aff', [1, 2, 3].map((i) => ({ ip: `127.247.2.${i}` })));
  await eventually(() => get(vip(svc), 8080), 5_000, 'serving');
  assert.equal(distinct(await hosts(vip(svc), 8080, 10)).length, 1, 'sticky');
  await client.patch(R.services, 'default', 'aff', 'merge', { spec: { sessionAffinity: 'None' } });
  await eventually(async () => distinct(await hosts(vip(svc), 8080, 6)).length === 3, 5_000, 'spread after affinity off');
  await client.patch(R.services, 'default', 'aff', 'merge', { spec: { sessionAffinity: 'ClientIP' } });
  await eventually(async () => distinct(await hosts(vip(svc), 8080, 10)).length === 1, 5_000, 'sticky again');
});

test('every endpoint replaced one by one while a client loops: zero failed requests', async () => {
  const svc = await createService('roll', { ports: [{ name: 'http', protocol: 'TCP', port: 8080 }] });
  const live = new Map<number, { close(): Promise<void>; drain(): Promise<void> }>();
  for (const i of [1, 2, 3]) live.set(i, await httpBackend(`127.247.3.${i}`, 8080, `roll-${i}`));
  const set = (ids: number[], terminating: number[] = []) =>
    putSlice('roll', [
      ...ids.map((i) => ({ ip: `127.247.3.${i}` })),
      ...terminating.map((i) => ({ ip: `127.247.3.${i}`, ready: false, serving: true, terminating: true })),
    ]);
  await set([1, 2, 3]);
  await eventually(() => get(vip(svc), 8080), 5_000, 'serving');
  let ok = 0;
  const failures: string[] = [];
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      try {
        await get(vip(svc), 8080);
        ok++;
      } catch (e) {
        failures.push(String(e));
      }
    }
  })();
  let ids = [1, 2, 3];
  for (const old of [1, 2, 3]) {
    const fresh = old + 3;
    live.set(fresh, await httpBackend(`127.247.3.${fresh}`, 8080, `roll-${fresh}`));
    ids = [...ids.filter((i) => i !== old), fresh];
    await set(ids, [old]);
    await eventually(() => proxy.state().ports.get('default/roll:http/TCP')?.endpoints.some((e) => e.terminating), 5_000, 'terminating seen');
    await set(ids);
    // The backend goes away as a pod's server does (in-flight requests answered), possibly before
    // the proxy synced: new connects to it fail over.
    await live.get(old)!.drain();
    const base = ok;
    await eventually(() => ok >= base + 5 || failures.length > 0, 5_000, 'requests keep flowing');
  }
  stop = true;
  await loop;
  assert.deepEqual(failures, []);
  assert.ok(ok > 10, `requests went through (${ok})`);
  assert.deepEqual(distinct(await hosts(vip(svc), 8080, 9)), ['roll-4', 'roll-5', 'roll-6']);
});

test('a Service without endpoints refuses at once; NodePort too', async () => {
  const svc = await createService('empty', { type: 'NodePort', ports: [{ name: 'http', protocol: 'TCP', port: 8080 }] });
  await putSlice('empty', []);
  await eventually(() => proxy.state().ports.has('default/empty:http/TCP'), 5_000, 'seen');
  assert.equal(await connectOutcome(vip(svc), 8080), 'ECONNREFUSED');
  assert.equal(await connectOutcome('127.0.0.1', svc.spec.ports![0].nodePort!), 'ECONNREFUSED');
  assert.match(explainService(proxy.state(), 'default', 'empty'), /refused at once — the service has no usable endpoints/);
});

test('the same port on TCP and UDP, and a second port', async () => {
  await httpBackend('127.247.4.1', 5353, 'tcp-1');
  const udp = await udpBackend('127.247.4.1', 5353, 'udp-1');
  await httpBackend('127.247.4.1', 9090, 'metrics-1');
  const svc = await createService('dns', {
    ports: [
      { name: 'dns-tcp', protocol: 'TCP', port: 5353 },
      { name: 'dns', protocol: 'UDP', port: 5353 },
      { name: 'metrics', protocol: 'TCP', port: 9153, targetPort: 9090 },
    ],
  });
  await putSlice('dns', [{ ip: '127.247.4.1' }], [
    { name: 'dns-tcp', port: 5353, protocol: 'TCP' },
    { name: 'dns', port: 5353, protocol: 'UDP' },
    { name: 'metrics', port: 9090, protocol: 'TCP' },
  ]);
  await eventually(() => get(vip(svc), 9153), 5_000, 'serving');
  assert.equal(await get(vip(svc), 5353), 'tcp-1');
  assert.equal(await get(vip(svc), 9153), 'metrics-1');
  assert.equal(await udpAsk(vip(svc), 5353, 'hello'), 'udp-1:hello');
  assert.equal(udp.received(), 1);
});

test('UDP: a flow moves off a removed endpoint at once', async () => {
  await udpBackend('127.247.5.1', 5300, 'u1');
  await udpBackend('127.247.5.2', 5300, 'u2');
  const svc = await createService('udp', { ports: [{ name: 'u', protocol: 'UDP', port: 5300 }] });
  await putSlice('udp', [{ ip: '127.247.5.1' }], [{ name: 'u', port: 5300, protocol: 'UDP' }]);
  const sock = dgram.createSocket('udp4');
  try {
    await eventually(() => udpAsk(vip(svc), 5300, 'a', sock, 200), 5_000, 'udp serving');
    assert.equal(await udpAsk(vip(svc), 5300, 'b', sock), 'u1:b');
    await putSlice('udp', [{ ip: '127.247.5.2' }], [{ name: 'u', port: 5300, protocol: 'UDP' }]);
    await eventually(() => proxy.state().ports.get('default/udp:u/UDP')?.endpoints[0]?.ip === '127.247.5.2', 5_000, 'update seen');
    assert.equal(await udpAsk(vip(svc), 5300, 'c', sock), 'u2:c', 'same client socket, new endpoint');
  } finally {
    sock.close();
  }
});

test('selector-less Service to a server outside the cluster, with PROXY protocol v1', async () => {
  const lines: string[] = [];
  const outside = await tcpServer('127.0.0.1', 0, (s) => {
    s.once('data', (d) => {
      lines.push(d.toString().split('\r\n')[0]);
      s.end('hi');
    });
  });
  const svc = await createService('ext', { selector: undefined, ports: [{ name: 'raw', protocol: 'TCP', port: 7000, targetPort: outside.port }] }, {
    'tinykube.io/proxy-protocol': 'v1',
  });
  await putSlice('ext', [{ ip: '127.0.0.1' }], [{ name: 'raw', port: outside.port }]);
  await eventually(async () => (await connectOutcome(vip(svc), 7000)) === 'connected', 5_000, 'serving');
  lines.length = 0;
  const reply = await new Promise<string>((resolve, reject) => {
    let got = '';
    const s = new net.Socket();
    s.connect(7000, vip(svc), () => s.end('ping'));
    s.on('data', (d: Buffer) => (got += d));
    s.on('end', () => resolve(got));
    s.on('error', reject);
  });
  assert.equal(reply, 'hi', 'half-close: the client ended first and still got the answer');
  assert.match(lines[0], new RegExp(`^PROXY TCP4 127\\.0\\.0\\.1 ${vip(svc).replace(/\./g, '\\.')} \\d+ 7000$`));
});

test('a port that cannot be bound is reported and the rest goes on', async () => {
  const squatter = await tcpServer('127.241.0.5', 0, (sock) => sock.destroy());
  await httpBackend('127.247.6.1', 8080, 'b-1');
  const svc = await createService('busy', { type: 'LoadBalancer', ports: [{ name: 'http', protocol: 'TCP', port: squatter.port, targetPort: 8080 }] });
  await client.patch(R.services, 'default', 'busy', 'merge', { status: { loadBalancer: { ingress: [{ ip: '127.241.0.5' }] } } }, { subresource: 'status' });
  await putSlice('busy', [{ ip: '127.247.6.1' }]);
  const event = await eventually(async () => {
    const list = await client.list(R.events, 'default');
    return list.items.find((e) => e.reason === 'FailedToBindPort' && (e.involvedObject as { name: string }).name === 'busy');
  }, 5_000, 'event');
  assert.match(String(event!.message), /cannot listen on TCP\/127\.241\.0\.5:\d+: EADDRINUSE/);
  assert.equal(await get(vip(svc), squatter.port), 'b-1', 'the ClusterIP serves');
  assert.equal(await get('127.0.0.1', svc.spec.ports![0].nodePort!), 'b-1', 'the NodePort serves');
});

test('a failed connect tries the next endpoint and is counted', async () => {
  await httpBackend('127.247.7.2', 8080, 'alive');
  const svc = await createService('flaky', { ports: [{ name: 'http', protocol: 'TCP', port: 8080 }] });
  // 127.247.7.1 has nothing listening: a pod that died before its endpoint was removed.
  await putSlice('flaky', [{ ip: '127.247.7.1' }, { ip: '127.247.7.2' }]);
  await eventually(() => get(vip(svc), 8080), 5_000, 'serving');
  assert.deepEqual(distinct(await hosts(vip(svc), 8080, 6)), ['alive']);
  const text = await proxy.metrics.metrics();
  assert.match(text, /tinykube_proxy_endpoint_connect_failures_total\{service="default\/flaky:http\/TCP",endpoint="127\.247\.7\.1:8080"\} [1-9]/);
});

test('metrics: sync duration, programming latency, bytes and connections per service', async () => {
  const text = await proxy.metrics.metrics();
  for (const re of [
    /kubeproxy_sync_proxy_rules_duration_seconds_count \d+/,
    /kubeproxy_network_programming_duration_seconds_count [1-9]/,
    /tinykube_proxy_bytes_total\{service="default\/web:http\/TCP",direction="in"\} [1-9]/,
    /tinykube_proxy_active_connections\{service="default\/web:http\/TCP"\} 0/,
  ]) {
    assert.match(text, re);
  }
  await client.delete(R.services, 'default', 'ext');
  await eventually(() => !proxy.state().ports.has('default/ext:raw/TCP'), 5_000, 'ext gone');
  assert.doesNotMatch(await proxy.metrics.metrics(), /service="default\/ext:raw\/TCP"/, 'a deleted service leaves no series');
});
