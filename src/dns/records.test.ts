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
import { storeClusterIPService } from '../../test/support/stored-service.js';
import { ip6ArpaName } from '../../test/support/ip6-arpa.js';
import { reverseZones } from './reverse-zones.js';
import { eventually } from '../../test/support/eventually.js';

const CONFIG: RecordsConfig = { zone: 'cluster.local', ttl: 5, nameservers: ['127.96.0.10', 'fd00:96::a'] };

const svc = (name: string, spec: Record<string, unknown>, ns = 'testns'): KubeObject => ({ metadata: { name, namespace: ns }, spec });
const slice = (service: string, endpoints: unknown[], ports: unknown[], name = `${service}-abc`, ns = 'testns', addressType = 'IPv4'): KubeObject => ({
  metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': service } },
  addressType,
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
  // Dual-stack and IPv6: a Pod of a StatefulSet (`pet-0`) has an address in each family's slice.
  await client.create(R.services, 'testns', svc('hdual', { clusterIP: 'None', ports: PORTS }));
  await client.create(R.endpointSlices, 'testns', slice('hdual', [ep('127.244.0.11', true, 'pet-0'), ep('127.244.0.12')], PORTS));
  const v6 = [ep('fd00:244::b', true, 'pet-0'), ep('FD00:244:0::C'), ep('fd00:244::'), ep('fd00:244::d', false)];
  await client.create(R.endpointSlices, 'testns', slice('hdual', v6, PORTS, 'hdual-v6', 'testns', 'IPv6'));
}


interface Case {
  name: string;
  qname: string;
  qtype: string;
  rcode: string;
  answer?: string[];
  /** SOA in authority: for NXDOMAIN and NODATA. */
  negative?: boolean;
  /** Asked with the service and pod CIDRs' reverse zones configured; the SOA is this zone's. */
  reverseZone?: string;
  extra?: string[];
  chase?: string;
  /** Not ours: forwarded upstream. */
  forward?: true;
}

const SOA = (serial: number, zone = 'cluster.local') => `${zone}. 5 IN SOA ns.dns.${zone}. hostmaster.${zone}. ${serial} 7200 1800 86400 5`;
/** The service CIDRs 127.96.0.0/16 and fd00:96::/112, the pod CIDR 127.244.0.0/16. */
const ZONED: RecordsConfig = { ...CONFIG, reverseZones: ['127.96.0.0/16', 'fd00:96::/112', '127.244.0.0/16'].flatMap(reverseZones) };
const V4_ZONE = '96.127.in-addr.arpa';
const V6_ZONE = `${'0.'.repeat(20)}6.9.0.0.0.0.d.f.ip6.arpa`;
const REVERSE_ZONE_CASES: Case[] = [
  { name: 'zoned: PTR of a known IPv6 cluster IP', qname: `${ip6ArpaName('fd00:96::5')}.`, qtype: 'PTR', rcode: 'NOERROR', reverseZone: V6_ZONE,
    answer: [`${ip6ArpaName('fd00:96::5')}. 5 IN PTR dual.testns.svc.cluster.local.`] },
  { name: 'zoned: PTR of an unused IPv6 service address is NXDOMAIN, not forwarded', qname: `${ip6ArpaName('fd00:96::99')}.`, qtype: 'PTR',
    rcode: 'NXDOMAIN', reverseZone: V6_ZONE, answer: [], negative: true },
  { name: 'zoned: PTR of an unused IPv4 service address is NXDOMAIN', qname: '9.9.96.127.in-addr.arpa.', qtype: 'PTR', rcode: 'NXDOMAIN',
    reverseZone: V4_ZONE, answer: [], negative: true },
  { name: 'zoned: A of the reverse name of a known address is NODATA', qname: '5.1.96.127.in-addr.arpa.', qtype: 'A', rcode: 'NOERROR',
    reverseZone: V4_ZONE, answer: [], negative: true },
  { name: 'zoned: SOA of a reverse zone', qname: `${V6_ZONE}.`, qtype: 'SOA', rcode: 'NOERROR', reverseZone: V6_ZONE,
    answer: [`${V6_ZONE}. 5 IN SOA ns.dns.${V6_ZONE}. hostmaster.${V6_ZONE}. SERIAL 7200 1800 86400 5`] },
  { name: 'zoned: PTR of an endpoint in the pod CIDR', qname: '2.0.244.127.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR',
    reverseZone: '244.127.in-addr.arpa', answer: ['2.0.244.127.in-addr.arpa. 5 IN PTR pet-0.hdls.testns.svc.cluster.local.'] },
  { name: 'zoned: an address outside the cluster CIDRs is still forwarded', qname: '9.9.9.10.in-addr.arpa.', qtype: 'PTR', rcode: '', forward: true, reverseZone: '' },
];

const D = 'dual.testns.svc.cluster.local.';
const H = 'hdual.testns.svc.cluster.local.';
/** The specification's records in IPv6 (AAAA beside A, ip6.arpa nibbles beside in-addr.arpa). */
const DUAL_STACK_CASES: Case[] = [
  // ClusterIP (spec 2.3.1, 2.3.2, 2.3.3)
  { name: 'A of a dual-stack service', qname: D, qtype: 'A', rcode: 'NOERROR', answer: [`${D} 5 IN A 127.96.1.5`] },
  { name: 'AAAA of a dual-stack service', qname: D, qtype: 'AAAA', rcode: 'NOERROR', answer: [`${D} 5 IN AAAA fd00:96::5`] },
  { name: 'AAAA of an IPv6 service, its address in canonical form', qname: 'six.testns.svc.cluster.local.', qtype: 'AAAA', rcode: 'NOERROR',
    answer: ['six.testns.svc.cluster.local. 5 IN AAAA fd00:96::6'] },
  { name: 'A of an IPv6 service is NODATA', qname: 'six.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: [], negative: true },
  { name: 'SRV of a dual-stack service: A and AAAA additionals', qname: `_http._tcp.${D}`, qtype: 'SRV', rcode: 'NOERROR',
    answer: [`_http._tcp.${D} 5 IN SRV 0 100 80 ${D}`], extra: [`${D} 5 IN A 127.96.1.5`, `${D} 5 IN AAAA fd00:96::5`] },
  { name: 'SRV of an IPv6 service: AAAA additional', qname: '_dns._udp.six.testns.svc.cluster.local.', qtype: 'SRV', rcode: 'NOERROR',
    answer: ['_dns._udp.six.testns.svc.cluster.local. 5 IN SRV 0 100 53 six.testns.svc.cluster.local.'],
    extra: ['six.testns.svc.cluster.local. 5 IN AAAA fd00:96::6'] },
  { name: 'PTR of an IPv6 cluster IP under ip6.arpa', qname: `${ip6ArpaName('fd00:96::5')}.`, qtype: 'PTR', rcode: 'NOERROR',
    answer: [`${ip6ArpaName('fd00:96::5')}. 5 IN PTR ${D}`] },
  { name: 'PTR of the IPv4 cluster IP of the same service', qname: '5.1.96.127.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR',
    answer: [`5.1.96.127.in-addr.arpa. 5 IN PTR ${D}`] },
  { name: 'PTR of an unknown IPv6 address is forwarded', qname: `${ip6ArpaName('fd00:96::99')}.`, qtype: 'PTR', rcode: '', forward: true },
  // Headless (spec 2.4.1, 2.4.2, 2.4.3)
  { name: 'AAAA of a headless service: every ready IPv6 endpoint', qname: H, qtype: 'AAAA', rcode: 'NOERROR',
    answer: [`${H} 5 IN AAAA fd00:244::b`, `${H} 5 IN AAAA fd00:244::c`, `${H} 5 IN AAAA fd00:244::`] },
  { name: 'A of the same headless service: the IPv4 endpoints only', qname: H, qtype: 'A', rcode: 'NOERROR',
    answer: [`${H} 5 IN A 127.244.0.11`, `${H} 5 IN A 127.244.0.12`] },
  { name: 'AAAA of a StatefulSet pod by hostname', qname: `pet-0.${H}`, qtype: 'AAAA', rcode: 'NOERROR', answer: [`pet-0.${H} 5 IN AAAA fd00:244::b`] },
  { name: 'A of the same pod by hostname', qname: `pet-0.${H}`, qtype: 'A', rcode: 'NOERROR', answer: [`pet-0.${H} 5 IN A 127.244.0.11`] },
  { name: 'AAAA of an endpoint by its dashed IPv6 address', qname: `fd00-244--c.${H}`, qtype: 'AAAA', rcode: 'NOERROR', answer: [`fd00-244--c.${H} 5 IN AAAA fd00:244::c`] },
  { name: 'A of an IPv6 endpoint name is NODATA', qname: `fd00-244--c.${H}`, qtype: 'A', rcode: 'NOERROR', answer: [], negative: true },
  { name: 'an IPv6 endpoint name ending in :: gets a 0 (CoreDNS)', qname: `fd00-244--0.${H}`, qtype: 'AAAA', rcode: 'NOERROR', answer: [`fd00-244--0.${H} 5 IN AAAA fd00:244::`] },
  { name: 'a not-ready IPv6 endpoint has no name', qname: `fd00-244--d.${H}`, qtype: 'AAAA', rcode: 'NXDOMAIN', answer: [], negative: true },
  // One SRV per name (pet-0 once for both families); CoreDNS weighs them before that merge.
  { name: 'SRV of a dual-stack headless service: A and AAAA additionals', qname: `_http._tcp.${H}`, qtype: 'SRV', rcode: 'NOERROR',
    answer: [`pet-0.${H}`, `127-244-0-12.${H}`, `fd00-244--c.${H}`, `fd00-244--0.${H}`].map((t) => `_http._tcp.${H} 5 IN SRV 0 20 80 ${t}`),
    extra: [`pet-0.${H} 5 IN A 127.244.0.11`, `pet-0.${H} 5 IN AAAA fd00:244::b`, `127-244-0-12.${H} 5 IN A 127.244.0.12`,
      `fd00-244--c.${H} 5 IN AAAA fd00:244::c`, `fd00-244--0.${H} 5 IN AAAA fd00:244::`] },
  { name: 'PTR of an IPv6 endpoint with a hostname', qname: `${ip6ArpaName('fd00:244::b')}.`, qtype: 'PTR', rcode: 'NOERROR', answer: [`${ip6ArpaName('fd00:244::b')}. 5 IN PTR pet-0.${H}`] },
  { name: 'PTR of an IPv6 endpoint without one', qname: `${ip6ArpaName('fd00:244::c')}.`, qtype: 'PTR', rcode: 'NOERROR', answer: [`${ip6ArpaName('fd00:244::c')}. 5 IN PTR fd00-244--c.${H}`] },
  // Pods (spec 2.6; CoreDNS `pods insecure` takes the IPv6 form too)
  { name: 'A of an IPv6 pod name is NODATA', qname: 'fd00--1.testns.pod.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: [], negative: true },
  { name: 'pod AAAA record, every group spelled out', qname: 'fd00-0-0-0-0-0-0-1.testns.pod.cluster.local.', qtype: 'AAAA', rcode: 'NOERROR',
    answer: ['fd00-0-0-0-0-0-0-1.testns.pod.cluster.local. 5 IN AAAA fd00::1'] },
];

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
  { name: 'ExternalName answers AAAA with the same CNAME', qname: 'ext.testns.svc.cluster.local.', qtype: 'AAAA', rcode: 'NOERROR', answer: ['ext.testns.svc.cluster.local. 5 IN CNAME www.example.test.'], chase: 'www.example.test' },
  { name: 'AAAA through an in-zone ExternalName to an IPv4 service: the CNAME, then NODATA', qname: 'alias.testns.svc.cluster.local.', qtype: 'AAAA', rcode: 'NOERROR',
    answer: ['alias.testns.svc.cluster.local. 5 IN CNAME svc1.testns.svc.cluster.local.'], negative: true },
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
  { name: 'NS of the apex, with the name server in both families', qname: 'cluster.local.', qtype: 'NS', rcode: 'NOERROR', answer: ['cluster.local. 5 IN NS ns.dns.cluster.local.'],
    extra: ['ns.dns.cluster.local. 5 IN A 127.96.0.10', 'ns.dns.cluster.local. 5 IN AAAA fd00:96::a'] },
  { name: 'AAAA of the name server', qname: 'ns.dns.cluster.local.', qtype: 'AAAA', rcode: 'NOERROR', answer: ['ns.dns.cluster.local. 5 IN AAAA fd00:96::a'] },
  { name: 'A of the name server', qname: 'ns.dns.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['ns.dns.cluster.local. 5 IN A 127.96.0.10'] },
  { name: 'A of the apex is NODATA', qname: 'cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: [], negative: true },
  { name: 'existing namespace is NODATA', qname: 'testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: [], negative: true },
  { name: 'missing namespace is NXDOMAIN', qname: 'nope.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', answer: [], negative: true },
  { name: 'svc subtree is NODATA', qname: 'svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: [], negative: true },
  { name: 'missing service is NXDOMAIN', qname: 'nope.testns.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', answer: [], negative: true },
  { name: 'neither svc nor pod is NXDOMAIN', qname: 'svc1.testns.foo.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', answer: [], negative: true },
  { name: 'too many labels is NXDOMAIN', qname: 'a.b.c.svc1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NXDOMAIN', answer: [], negative: true },
  { name: 'outside the zone is forwarded', qname: 'example.com.', qtype: 'A', rcode: '', forward: true },
  ...DUAL_STACK_CASES,
  ...REVERSE_ZONE_CASES,
];

describe('records', () => {
  let api: TestApi;
  let cache: DnsCache;
  before(async () => {
    api = await startTestApi();
    await seed(api.client());
    // Dual-stack and IPv6 ClusterIPs (the second one in a non-canonical spelling).
    await storeClusterIPService(api, 'testns', 'dual', ['127.96.1.5', 'fd00:96::5'], PORTS);
    await storeClusterIPService(api, 'testns', 'six', ['FD00:96:0::6'], PORTS);
    cache = new DnsCache(api.client());
    await cache.start();
  });
  after(async () => {
    cache.stop();
    await api.close();
  });

  for (const c of CASES) {
    it(c.name, () => {
      const r = answer(cache, { name: c.qname.replace(/\.$/, ''), type: c.qtype }, c.reverseZone === undefined ? CONFIG : ZONED);
      if (c.forward) return assert.equal(r, undefined);
      assert.ok(r);
      assert.equal(r.rcode, c.rcode);
      assert.deepEqual(r.answers.map(zoneText).sort(), (c.answer ?? []).map((a) => a.replace('SERIAL', String(cache.serial()))).sort());
      assert.deepEqual(r.authorities.map(zoneText), c.negative ? [SOA(cache.serial(), c.reverseZone || undefined)] : []);
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

  it('an address two Services share has a PTR for each, and for the one left when the other goes', async () => {
    const client = api.client();
    const ptrs = () => (answer(cache, { name: '7.7.244.127.in-addr.arpa', type: 'PTR' }, CONFIG)?.answers ?? []).map(zoneText).sort();
    for (const name of ['share-a', 'share-b']) {
      await client.create(R.services, 'testns', svc(name, { clusterIP: 'None', ports: PORTS }));
      await client.create(R.endpointSlices, 'testns', slice(name, [ep('127.244.7.7')], PORTS));
    }
    const both = ['127-244-7-7.share-a.testns.svc.cluster.local.', '127-244-7-7.share-b.testns.svc.cluster.local.'].map((d) => `7.7.244.127.in-addr.arpa. 5 IN PTR ${d}`);
    await eventually(() => ptrs().length === 2, 5000, 'both PTRs');
    assert.deepEqual(ptrs(), both);
    await client.delete(R.endpointSlices, 'testns', 'share-a-abc');
    await eventually(() => ptrs().length === 1, 5000, 'one PTR');
    assert.deepEqual(ptrs(), [both[1]]);
    await client.delete(R.endpointSlices, 'testns', 'share-b-abc');
    await eventually(() => answer(cache, { name: '7.7.244.127.in-addr.arpa', type: 'PTR' }, CONFIG) === undefined, 5000, 'forwarded again');
    for (const name of ['share-a', 'share-b']) await client.delete(R.services, 'testns', name);
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
