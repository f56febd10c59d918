// Record tables against a real cache: objects go through an in-process API, the cache lists
// and watches them, and each case asks one question.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi, type TestApi } from '../../test/support/api.js';
import { R, type Client } from '../client/client.js';
import type { KubeObject } from '../apis/types.js';
import { DnsCache } from './cache.js';
import { answer, type RecordsConfig, type Reply } from './records.js';
import { zoneText } from '../../test/support/zone-text.js';

const CONFIG: RecordsConfig = { zone: 'cluster.local', ttl: 5, nameservers: ['127.96.0.10'] };

const svc = (name: string, spec: Record<string, unknown>, ns = 'testns'): KubeObject => ({ metadata: { name, namespace: ns }, spec });
const slice = (service: string, endpoints: unknown[], ports: unknown[], name = `${service}-abc`, ns = 'testns'): KubeObject => ({
  metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  endpoints,
  ports,
});
const ep = (ip: string, ready = true, hostname?: string) => ({ addresses: [ip], conditions: { ready }, ...(hostname ? { hostname } : {}) });
const PORTS = [
  { name: 'http', protocol: 'TCP', port: 80 },
  { name: 'dns', protocol: 'UDP', port: 53 },
];

async function seed(client: Client): Promise<void> {
  for (const ns of ['testns', 'other']) await client.create(R.namespaces, undefined, { metadata: { name: ns } });
  await client.create(R.services, 'testns', svc('svc1', { clusterIP: '127.96.1.1', ports: PORTS }));
  await client.create(R.services, 'testns', svc('hdls', { clusterIP: 'None', ports: PORTS }));
  await client.create(R.endpointSlices, 'testns', slice('hdls', [ep('127.244.0.1'), ep('127.244.0.2', true, 'pet-0'), ep('127.244.0.3', false)], PORTS));
  await client.create(R.services, 'testns', svc('empty', { clusterIP: 'None', ports: PORTS }));
  await client.create(R.services, 'testns', svc('unready', { clusterIP: 'None', publishNotReadyAddresses: true, ports: PORTS }));
  await client.create(R.endpointSlices, 'testns', slice('unready', [ep('127.244.0.9', false)], PORTS));
  await client.create(R.services, 'testns', svc('ext', { type: 'ExternalName', externalName: 'www.example.test' }));
  await client.create(R.services, 'testns', svc('alias', { type: 'ExternalName', externalName: 'svc1.testns.svc.cluster.local' }));
  await client.create(R.services, 'other', svc('svc1', { clusterIP: '127.96.1.2', ports: [PORTS[0]] }, 'other'));
}

interface Case {
  name: string;
  qname: string;
  qtype: string;
  rcode: string;
  answer?: string[];
  /** SOA in authority: for NXDOMAIN and NODATA. */
  negative?: boolean;
  extra?: string[];
  chase?: string;
  /** Not ours: forwarded upstream. */
  forward?: true;
}

const SOA = (serial: number) => `cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. ${serial} 7200 1800 86400 5`;

const CASES: Case[] = [
  // ClusterIP Services (spec 2.3)
  { name: 'A of a ClusterIP service', qname: 'svc1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['svc1.testns.svc.cluster.local. 5 IN A 127.96.1.1'] },
  { name: 'case is ignored and the question case kept', qname: 'SVC1.TestNS.svc.Cluster.Local.', qtype: 'A', rcode: 'NOERROR', answer: ['SVC1.TestNS.svc.Cluster.Local. 5 IN A 127.96.1.1'] },
  { name: 'same name in another namespace', qname: 'svc1.other.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['svc1.other.svc.cluster.local. 5 IN A 127.96.1.2'] },
  { name: 'AAAA of an IPv4 service is NODATA', qname: 'svc1.testns.svc.cluster.local.', qtype: 'AAAA', rcode: 'NOERROR', answer: [], negative: true },
  { name: 'TXT of a service is NODATA', qname: 'svc1.testns.svc.cluster.local.', qtype: 'TXT', rcode: 'NOERROR', answer: [], negative: true },
  { name: 'SRV of a named port', qname: '_http._tcp.svc1.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR',
    answer: ['_http._tcp.svc1.testns.svc.cluster.local. 5 IN SRV 0 100 80 svc1.testns.svc.cluster.local.'],
    extra: ['svc1.testns.svc.cluster.local. 5 IN A 127.96.1.1'] },
  { name: 'SRV of a UDP port', qname: '_dns._udp.svc1.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR',
    answer: ['_dns._udp.svc1.testns.svc.cluster.local. 5 IN SRV 0 100 53 svc1.testns.svc.cluster.local.'],
    extra: ['svc1.testns.svc.cluster.local. 5 IN A 127.96.1.1'] },
  { name: 'SRV of a port with the wrong protocol', qname: '_http._udp.svc1.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NXDOMAIN', answer: [], negative: true },
  { name: 'SRV of an unknown port', qname: '_nope._tcp.svc1.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NXDOMAIN', answer: [], negative: true },
  { name: 'A of a port name', qname: '_http._tcp.svc1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['_http._tcp.svc1.testns.svc.cluster.local. 5 IN A 127.96.1.1'] },
  { name: 'PTR of a cluster IP', qname: '1.1.96.127.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR', answer: ['1.1.96.127.in-addr.arpa. 5 IN PTR svc1.testns.svc.cluster.local.'] },
  // Headless Services (spec 2.4)
  { name: 'A of a headless service: every ready endpoint', qname: 'hdls.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR',
    answer: ['hdls.testns.svc.cluster.local. 5 IN A 127.244.0.1', 'hdls.testns.svc.cluster.local. 5 IN A 127.244.0.2'] },
  { name: 'A of an endpoint by hostname', qname: 'pet-0.hdls.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['pet-0.hdls.testns.svc.cluster.local. 5 IN A 127.244.0.2'] },
  { name: 'A of an endpoint by its dashed address', qname: '127-244-0-1.hdls.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['127-244-0-1.hdls.testns.svc.cluster.local. 5 IN A 127.244.0.1'] },
  { name: 'a not-ready endpoint has no name', qname: '127-244-0-3.hdls.testns.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', answer: [], negative: true },
  { name: 'SRV of a headless service: one per endpoint', qname: '_http._tcp.hdls.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR',
    answer: ['_http._tcp.hdls.testns.svc.cluster.local. 5 IN SRV 0 50 80 127-244-0-1.hdls.testns.svc.cluster.local.', '_http._tcp.hdls.testns.svc.cluster.local. 5 IN SRV 0 50 80 pet-0.hdls.testns.svc.cluster.local.'],
    extra: ['127-244-0-1.hdls.testns.svc.cluster.local. 5 IN A 127.244.0.1', 'pet-0.hdls.testns.svc.cluster.local. 5 IN A 127.244.0.2'] },
  { name: 'PTR of an endpoint with a hostname', qname: '2.0.244.127.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR', answer: ['2.0.244.127.in-addr.arpa. 5 IN PTR pet-0.hdls.testns.svc.cluster.local.'] },
  { name: 'PTR of an endpoint without one', qname: '1.0.244.127.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR', answer: ['1.0.244.127.in-addr.arpa. 5 IN PTR 127-244-0-1.hdls.testns.svc.cluster.local.'] },
  { name: 'PTR of an unknown address is forwarded', qname: '9.9.9.10.in-addr.arpa.', qtype: 'PTR', rcode: '', forward: true },
  { name: 'headless without endpoints is NXDOMAIN (spec 2.4.1)', qname: 'empty.testns.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', answer: [], negative: true },
  { name: 'publishNotReadyAddresses publishes not-ready endpoints', qname: 'unready.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['unready.testns.svc.cluster.local. 5 IN A 127.244.0.9'] },
  // ExternalName (spec 2.5)
  { name: 'ExternalName is a CNAME chased upstream', qname: 'ext.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['ext.testns.svc.cluster.local. 5 IN CNAME www.example.test.'], chase: 'www.example.test' },
  { name: 'CNAME query of an ExternalName', qname: 'ext.testns.svc.cluster.local.', qtype: 'CNAME', rcode: 'NOERROR', answer: ['ext.testns.svc.cluster.local. 5 IN CNAME www.example.test.'] },
  { name: 'SRV of an ExternalName is NODATA', qname: 'ext.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR', answer: [], negative: true },
  { name: 'ExternalName inside the zone resolves here', qname: 'alias.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR',
    answer: ['alias.testns.svc.cluster.local. 5 IN CNAME svc1.testns.svc.cluster.local.', 'svc1.testns.svc.cluster.local. 5 IN A 127.96.1.1'] },
  // Pods (spec 2.6) and the zone itself
  { name: 'pod A record', qname: '127-244-3-4.testns.pod.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['127-244-3-4.testns.pod.cluster.local. 5 IN A 127.244.3.4'] },
  { name: 'pod AAAA record', qname: 'fd00--1.testns.pod.cluster.local.', qtype: 'AAAA', rcode: 'NOERROR', answer: ['fd00--1.testns.pod.cluster.local. 5 IN AAAA fd00::1'] },
  { name: 'pod name that is no address', qname: 'web-0.testns.pod.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', answer: [], negative: true },
  { name: 'pod in a missing namespace', qname: '1-2-3-4.nope.pod.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', answer: [], negative: true },
  { name: 'dns-version TXT', qname: 'dns-version.cluster.local.', qtype: 'TXT', rcode: 'NOERROR', answer: ['dns-version.cluster.local. 28800 IN TXT "1.1.0"'] },
  { name: 'NS of the apex', qname: 'cluster.local.', qtype: 'NS', rcode: 'NOERROR', answer: ['cluster.local. 5 IN NS ns.dns.cluster.local.'], extra: ['ns.dns.cluster.local. 5 IN A 127.96.0.10'] },
  { name: 'A of the name server', qname: 'ns.dns.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['ns.dns.cluster.local. 5 IN A 127.96.0.10'] },
  { name: 'A of the apex is NODATA', qname: 'cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: [], negative: true },
  { name: 'existing namespace is NODATA', qname: 'testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: [], negative: true },
  { name: 'missing namespace is NXDOMAIN', qname: 'nope.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', answer: [], negative: true },
  { name: 'svc subtree is NODATA', qname: 'svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: [], negative: true },
  { name: 'missing service is NXDOMAIN', qname: 'nope.testns.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', answer: [], negative: true },
  { name: 'neither svc nor pod is NXDOMAIN', qname: 'svc1.testns.foo.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', answer: [], negative: true },
  { name: 'too many labels is NXDOMAIN', qname: 'a.b.c.svc1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', answer: [], negative: true },
  { name: 'outside the zone is forwarded', qname: 'example.com.', qtype: 'A', rcode: '', forward: true },
];

describe('records', () => {
  let api: TestApi;
  let cache: DnsCache;
  before(async () => {
    api = await startTestApi();
    await seed(api.client());
    cache = new DnsCache(api.client());
    await cache.start();
  });
  after(async () => {
    cache.stop();
    await api.close();
  });

  for (const c of CASES) {
    it(c.name, () => {
      const r = answer(cache, { name: c.qname.replace(/\.$/, ''), type: c.qtype }, CONFIG);
      if (c.forward) return assert.equal(r, undefined);
      assert.ok(r);
      assert.equal(r.rcode, c.rcode);
      assert.deepEqual(r.answers.map(zoneText).sort(), [...(c.answer ?? [])].sort());
      assert.deepEqual(r.authorities.map(zoneText), c.negative ? [SOA(cache.serial())] : []);
      assert.deepEqual(r.additionals.map(zoneText).sort(), [...(c.extra ?? [])].sort());
      assert.equal(r.chase, c.chase);
    });
  }

  it('SOA of the apex', () => {
    const r = answer(cache, { name: 'cluster.local', type: 'SOA' }, CONFIG);
    assert.deepEqual(r?.answers.map(zoneText), [SOA(cache.serial())]);
  });

  it('a new service resolves on its watch event, a deleted one stops', async () => {
    const client = api.client();
    const changed = () => new Promise<void>((resolve) => cache.onChange(() => resolve()));
    const q = { name: 'fresh.testns.svc.cluster.local', type: 'A' };
    let event = changed();
    await client.create(R.services, 'testns', svc('fresh', { clusterIP: '127.96.1.3', ports: [PORTS[0]] }));
    await event;
    assert.deepEqual(answer(cache, q, CONFIG)?.answers.map(zoneText), ['fresh.testns.svc.cluster.local. 5 IN A 127.96.1.3']);
    event = changed();
    await client.delete(R.services, 'testns', 'fresh');
    await event;
    assert.equal(answer(cache, q, CONFIG)?.rcode, 'NXDOMAIN');
  });
});

describe('records before the cache has synced', () => {
  it('answers SERVFAIL in the zone, never NXDOMAIN, and still forwards the rest', async () => {
    const api = await startTestApi();
    const cache = new DnsCache(api.client());
    try {
      const r: Reply | undefined = answer(cache, { name: 'nope.default.svc.cluster.local', type: 'A' }, CONFIG);
      assert.equal(r?.rcode, 'SERVFAIL');
      assert.equal(answer(cache, { name: 'example.com', type: 'A' }, CONFIG), undefined);
    } finally {
      await api.close();
    }
  });
});
