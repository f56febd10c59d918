// The running DNS component over real sockets: startDns against an in-process API, a fake
// upstream on loopback, queries with a small client of our own and with dig when installed.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type DecodedPacket, type Packet } from 'dns-packet';
import pino from 'pino';
import { startTestApi, type TestApi } from '../../test/support/api.js';
import { R } from '../client/client.js';
import type { Service } from '../apis/core/service/types.js';
import type { EndpointSlice } from '../apis/discovery/endpointslices.js';
import { startFakeUpstream, type FakeUpstream } from '../../test/support/fake-upstream.js';
import { startDns, type Dns } from './index.js';
import { eventually } from '../../test/support/eventually.js';
import { requiresCommand } from '../../test/support/requires.js';
import { storeClusterIPService } from '../../test/support/stored-service.js';
import { ip6ArpaName } from '../../test/support/ip6-arpa.js';

const ADDRESS = '127.53.1.1';
const UPSTREAM = '127.53.1.2';
const MANY = 40; // endpoints of the big headless service: ~1.3 KB of answers, over 512 bytes

const needsDig = requiresCommand(['dig', '-v'], 'apt-get install dnsutils');
type Rcoded = DecodedPacket & { rcode: string };

function query(name: string, type = 'A', extra: Partial<Packet> = {}): Buffer {
  return dnsPacket.encode({ type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as 'A' }], ...extra });
}

const udp = (port: number, msg: Buffer): Promise<Rcoded> => udpTo(ADDRESS, port, msg);
const tcp = (port: number, msgs: Buffer[]): Promise<Rcoded[]> => tcpTo(ADDRESS, port, msgs);

function udpTo(address: string, port: number, msg: Buffer): Promise<Rcoded> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.on('message', (m) => {
      s.close();
      try {
        resolve(dnsPacket.decode(m) as Rcoded);
      } catch (e) {
        reject(e as Error);
      }
    });
    s.send(msg, port, address);
  });
}

/** Sends every message on one TCP connection and collects as many replies. */
function tcpTo(host: string, port: number, msgs: Buffer[]): Promise<Rcoded[]> {
  return new Promise((resolve, reject) => {
    const conn = net.connect({ host, port });
    const replies: Rcoded[] = [];
    let buf = Buffer.alloc(0);
    conn.on('connect', () => conn.write(Buffer.concat(msgs.map((m) => Buffer.concat([Buffer.from([m.length >> 8, m.length & 255]), m])))));
    conn.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        replies.push(dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))) as Rcoded);
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (replies.length === msgs.length) {
        conn.end();
        resolve(replies);
      }
    });
    conn.on('error', reject);
  });
}

const addresses = (r: DecodedPacket): string[] => (r.answers ?? []).flatMap((a) => (a.type === 'A' ? [a.data] : []));

describe('DNS server', () => {
  let api: TestApi;
  let upstream: FakeUpstream;
  let dns: Dns;

  before(async () => {
    api = await startTestApi();
    const client = api.client();
    await client.create(R.namespaces, undefined, { metadata: { name: 'web' } });
    await client.create(R.services, 'web', { metadata: { name: 'front', namespace: 'web' }, spec: { clusterIP: '127.96.2.1', ports: [{ name: 'http', port: 80 }] } });
    await client.create(R.services, 'web', { metadata: { name: 'many', namespace: 'web' }, spec: { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] } });
    await client.create(R.endpointSlices, 'web', {
      metadata: { name: 'many-1', namespace: 'web', labels: { 'kubernetes.io/service-name': 'many' } },
      addressType: 'IPv4',
      endpoints: Array.from({ length: MANY }, (_, i) => ({ addresses: [`127.244.1.${i + 1}`], conditions: { ready: true } })),
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    });
    await client.create(R.services, 'web', { metadata: { name: 'ext', namespace: 'web' }, spec: { type: 'ExternalName', externalName: 'www.example.test' } });
    upstream = await startFakeUpstream(UPSTREAM, {
      'www.example.test': ['192.0.2.10'],
      'big.example.test': Array.from({ length: MANY }, (_, i) => `192.0.2.${i + 1}`),
    });
    dns = await startDns({
      client,
      log: pino({ level: 'silent' }),
      listenAddress: ADDRESS,
      port: 0,
      metricsPort: 0,
      upstreams: [`${UPSTREAM}:${upstream.port}`],
    });
    // The first question after start may come before the first list: wait for a real answer.
    await eventually(async () => (await udp(dns.port, query('front.web.svc.cluster.local'))).rcode !== 'SERVFAIL', 10_000, 'a first answer that is not SERVFAIL');
  });

  after(async () => {
    await dns.stop();
    await upstream.close();
    await api.close();
  });

  it('creates the kube-dns Service and an EndpointSlice pointing at the server', async () => {
    const client = api.client();
    const svc = await client.get<Service>(R.services, 'kube-system', 'kube-dns');
    assert.equal(svc.spec.clusterIP, '127.96.0.10');
    assert.deepEqual(svc.spec.ports?.map((p) => `${p.name}/${p.protocol}/${p.port}`), ['dns/UDP/53', 'dns-tcp/TCP/53', 'metrics/TCP/9153']);
    assert.equal(svc.metadata.labels?.['k8s-app'], 'kube-dns');
    const slices = await client.list<EndpointSlice>(R.endpointSlices, 'kube-system', { labelSelector: 'kubernetes.io/service-name=kube-dns' });
    assert.equal(slices.items.length, 1);
    assert.equal(slices.items[0].metadata.labels?.['endpointslice.kubernetes.io/managed-by'], 'tinykube-dns');
    assert.deepEqual(slices.items[0].endpoints?.map((e) => e.addresses), [[ADDRESS]]);
    assert.equal(slices.items[0].ports?.find((p) => p.name === 'dns')?.port, dns.port);
  });

  it('answers over UDP with AA set and the question echoed', async () => {
    const r = await udp(dns.port, query('Front.Web.svc.cluster.local'));
    assert.equal(r.id, 4242);
    assert.equal(r.rcode, 'NOERROR');
    assert.ok(r.flag_aa);
    assert.equal(r.questions?.[0].name, 'Front.Web.svc.cluster.local');
    assert.deepEqual(addresses(r), ['127.96.2.1']);
  });

  it('answers as kubeadm\'s CoreDNS: TTL 30, AA without RA in the zone, RA for forwarded names', async () => {
    const r = await udp(dns.port, query('front.web.svc.cluster.local'));
    assert.deepEqual(r.answers?.map((a) => ('ttl' in a ? a.ttl : undefined)), [30]);
    assert.equal(r.flag_aa, true);
    assert.equal(r.flag_ra, false);
    assert.equal(r.flag_rd, true);
    const negative = await udp(dns.port, query('nope.web.svc.cluster.local'));
    assert.equal(negative.flag_ra, false);
    const forwarded = await udp(dns.port, query('www.example.test'));
    assert.equal(forwarded.flag_ra, true);
    assert.equal(forwarded.flag_aa, false);
  });

  it('drops only the cached replies a cluster change touches', async () => {
    const entries = async () => Number(/^tinykube_dns_reply_cache_entries (\d+)/m.exec(await dns.metrics.metrics())?.[1]);
    const client = api.client();
    const late = query('late.web.svc.cluster.local');
    assert.equal((await udp(dns.port, late)).rcode, 'NXDOMAIN');
    assert.equal((await udp(dns.port, late)).rcode, 'NXDOMAIN'); // now from the reply cache
    await udp(dns.port, query('front.web.svc.cluster.local'));
    await udp(dns.port, query('_http._tcp.front.web.svc.cluster.local', 'SRV'));
    const before = await entries();
    // An unrelated Service appears: the replies above stay cached; its own name is one more.
    await client.create(R.services, 'web', { metadata: { name: 'other', namespace: 'web' }, spec: { clusterIP: '127.96.2.3', ports: [{ port: 80 }] } });
    await eventually(async () => (await udp(dns.port, query('other.web.svc.cluster.local'))).rcode === 'NOERROR', 10_000, 'other to resolve');
    assert.equal(await entries(), before + 1);
    // The negative answer for `late` goes the moment `late` exists.
    await client.create(R.services, 'web', { metadata: { name: 'late', namespace: 'web' }, spec: { clusterIP: '127.96.2.2', ports: [{ port: 80 }] } });
    await eventually(async () => (await udp(dns.port, late)).rcode !== 'NXDOMAIN', 10_000, 'late to resolve');
    assert.deepEqual(addresses(await udp(dns.port, late)), ['127.96.2.2']);
    assert.deepEqual(addresses(await udp(dns.port, query('LATE.web.svc.cluster.local'))), ['127.96.2.2']);
  });

  it('gives each of a burst of cached answers its own ID and question case', async () => {
    await udp(dns.port, query('front.web.svc.cluster.local')); // stored
    const s = dgram.createSocket('udp4');
    const spellings = new Map<number, string>();
    const replies: Rcoded[] = [];
    await new Promise<void>((resolve) => {
      s.on('message', (m) => replies.push(dnsPacket.decode(m) as Rcoded) === 200 && resolve());
      for (let id = 1; id <= 200; id++) {
        const name = [...'front.web.svc.cluster.local'].map((c, i) => ((id >> i % 8) & 1 ? c.toUpperCase() : c)).join('');
        spellings.set(id, name);
        s.send(dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: 'A' }] }), dns.port, ADDRESS);
      }
    });
    s.close();
    assert.deepEqual(replies.map((r) => r.id ?? 0).sort((a, b) => a - b), [...spellings.keys()]);
    for (const r of replies) {
      assert.equal(r.questions?.[0].name, spellings.get(r.id!));
      assert.deepEqual(addresses(r), ['127.96.2.1']);
    }
  });

  it('answers several queries on one TCP connection', async () => {
    const replies = await tcp(dns.port, [query('front.web.svc.cluster.local'), query('nope.web.svc.cluster.local'), query('_http._tcp.front.web.svc.cluster.local', 'SRV')]);
    assert.deepEqual(replies.map((r) => r.rcode).sort(), ['NOERROR', 'NOERROR', 'NXDOMAIN']);
  });

  it('truncates over 512 bytes without EDNS0, fits with EDNS0, completes over TCP', async () => {
    const plain = await udp(dns.port, query('many.web.svc.cluster.local'));
    assert.ok(plain.flag_tc);
    assert.ok(addresses(plain).length < MANY);
    const edns = await udp(dns.port, query('many.web.svc.cluster.local', 'A', { additionals: [{ name: '.', type: 'OPT', udpPayloadSize: 4096, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] }));
    assert.equal(edns.flag_tc, false);
    assert.equal(addresses(edns).length, MANY);
    assert.ok(edns.additionals?.some((a) => a.type === 'OPT'));
    const [overTcp] = await tcp(dns.port, [query('many.web.svc.cluster.local')]);
    assert.equal(overTcp.flag_tc, false);
    assert.equal(addresses(overTcp).length, MANY);
  });

  it('answers FORMERR to a malformed query and keeps serving', async () => {
    const garbage = Buffer.concat([query('front.web.svc.cluster.local').subarray(0, 12), Buffer.from([0xff, 0xff, 0xff])]);
    const r = await udp(dns.port, garbage);
    assert.equal(r.id, 4242);
    assert.equal(r.rcode, 'FORMERR');
    const [overTcp] = await tcp(dns.port, [garbage]);
    assert.equal(overTcp.rcode, 'FORMERR');
    assert.equal((await udp(dns.port, query('front.web.svc.cluster.local'))).rcode, 'NOERROR');
  });

  it('survives random and mangled messages over UDP and TCP', async () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const valid = query('front.web.svc.cluster.local', 'SRV');
    const junk = Array.from({ length: 300 }, (_, i) => {
      const b = i % 2 ? Buffer.from(valid) : Buffer.alloc(Math.floor(random() * 600));
      for (let j = 0; j < b.length; j++) if (i % 2 === 0 || random() < 0.1) b[j] = Math.floor(random() * 256);
      b[2] &= 0x7f; // keep them queries, so most get a reply rather than silence
      return b;
    });
    const s = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
    for (const b of junk) s.send(b, dns.port, ADDRESS);
    const conn = net.connect({ host: ADDRESS, port: dns.port });
    conn.on('error', () => undefined);
    conn.resume(); // read (and ignore) the replies, so the connection can close
    conn.end(Buffer.concat(junk.map((b) => Buffer.concat([Buffer.from([b.length >> 8, b.length & 255]), b]))));
    await new Promise((resolve) => conn.on('close', resolve));
    s.close();
    assert.deepEqual(addresses(await udp(dns.port, query('front.web.svc.cluster.local'))), ['127.96.2.1']);
  });

  it('forwards names outside the zone and caches the answer', async () => {
    const first = await udp(dns.port, query('www.example.test'));
    const second = await udp(dns.port, query('www.example.test'));
    assert.deepEqual(addresses(first), ['192.0.2.10']);
    assert.deepEqual(addresses(second), ['192.0.2.10']);
    assert.equal(first.flag_aa, false);
    assert.equal(upstream.queries.get('www.example.test'), 1); // asked upstream once, by whichever test asked first
    assert.match(await dns.metrics.metrics(), /tinykube_dns_cache_hits_total [1-9]/);
    assert.equal((await udp(dns.port, query('missing.example.test'))).rcode, 'NXDOMAIN');
  });

  it('falls back to TCP when the upstream reply is truncated', async () => {
    const [r] = await tcp(dns.port, [query('big.example.test')]);
    assert.equal(addresses(r).length, MANY);
  });

  it('chases an ExternalName target upstream', async () => {
    const r = await udp(dns.port, query('ext.web.svc.cluster.local'));
    assert.deepEqual(r.answers?.map((a) => `${a.name} ${a.type}`), ['ext.web.svc.cluster.local CNAME', 'www.example.test A']);
  });

  it('answers dig over UDP and TCP', { skip: needsDig.skip }, async () => {
    needsDig.check();
    // Asynchronously: the server runs in this process.
    const dig = async (...args: string[]) =>
      (await promisify(execFile)('dig', [`@${ADDRESS}`, '-p', String(dns.port), '+short', '+tries=1', '+time=2', ...args])).stdout.trim();
    assert.equal(await dig('front.web.svc.cluster.local'), '127.96.2.1');
    assert.equal(await dig('+tcp', 'front.web.svc.cluster.local'), '127.96.2.1');
    assert.equal(await dig('_http._tcp.front.web.svc.cluster.local', 'SRV'), '0 100 80 front.web.svc.cluster.local.');
    assert.equal(await dig('-x', '127.96.2.1'), 'front.web.svc.cluster.local.');
    // dig retries a truncated UDP answer over TCP by itself and gets every address.
    assert.equal((await dig('+noedns', 'many.web.svc.cluster.local')).split('\n').length, MANY);
  });
});

describe('DNS server with UDP worker processes', () => {
  const WORKER_ADDRESS = '127.53.1.3';
  let api: TestApi;
  let dns: Dns;
  let silent: dgram.Socket; // an upstream that never answers
  const ask = (name: string): Promise<Rcoded> => udpTo(WORKER_ADDRESS, dns.port, query(name));

  before(async () => {
    api = await startTestApi();
    await api.client().create(R.namespaces, undefined, { metadata: { name: 'web' } });
    await api.client().create(R.services, 'web', { metadata: { name: 'front', namespace: 'web' }, spec: { clusterIP: '127.96.2.1', ports: [{ port: 80 }] } });
    silent = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, UPSTREAM, resolve));
    dns = await startDns({
      client: api.client(),
      log: pino({ level: 'silent' }),
      listenAddress: WORKER_ADDRESS,
      port: 0,
      metricsPort: 0,
      upstreams: [`${UPSTREAM}:${silent.address().port}`],
      workers: 2,
    });
    await eventually(async () => (await ask('front.web.svc.cluster.local')).rcode !== 'SERVFAIL', 10_000, 'a first answer from the workers that is not SERVFAIL');
  });

  after(async () => {
    const pids = dns.workerPids;
    await dns.stop();
    await api.close();
    silent.close();
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/, `worker ${pid} outlived stop()`);
  });

  it('answers from worker processes, which drop a cached reply when its name changes', async () => {
    assert.equal(dns.workerPids.length, 2);
    for (let i = 0; i < 20; i++) assert.deepEqual(addresses(await ask('front.web.svc.cluster.local')), ['127.96.2.1']);
    const late = 'late.web.svc.cluster.local';
    for (let i = 0; i < 20; i++) assert.equal((await ask(late)).rcode, 'NXDOMAIN'); // cached in both workers by now
    await api.client().create(R.services, 'web', { metadata: { name: 'late', namespace: 'web' }, spec: { clusterIP: '127.96.2.2', ports: [{ port: 80 }] } });
    await eventually(async () => (await ask(late)).rcode !== 'NXDOMAIN', 10_000, 'late to resolve in the workers');
    for (let i = 0; i < 20; i++) assert.deepEqual(addresses(await ask(late)), ['127.96.2.2']);
    const [overTcp] = await tcpTo(WORKER_ADDRESS, dns.port, [query(late)]);
    assert.deepEqual(addresses(overTcp), ['127.96.2.2']);
  });

  it('answers pipelined TCP queries as each is ready: a slow forwarded one holds back none', async () => {
    const replies = await tcpTo(WORKER_ADDRESS, dns.port, [query('slow.example.test'), query('front.web.svc.cluster.local'), query('nope.web.svc.cluster.local')]);
    assert.deepEqual(replies.map((r) => r.rcode), ['NOERROR', 'NXDOMAIN', 'SERVFAIL']); // the upstream timed out last
  });

  it('counts the replies the workers serve in the server\'s metrics', async () => {
    // AAAA: asked by this test only, so every count is its own.
    const served = async () => Number(/^tinykube_dns_responses_total\{type="AAAA",rcode="NOERROR",proto="udp"\} (\d+)/m.exec(await dns.metrics.metrics())?.[1] ?? 0);
    for (let i = 0; i < 10; i++) await udpTo(WORKER_ADDRESS, dns.port, query('front.web.svc.cluster.local', 'AAAA'));
    await eventually(async () => (await served()) >= 10, 10_000, 'the workers to report 10 replies'); // workers report every second
    assert.equal(await served(), 10);
  });
});

describe('DNS server over IPv6 (dual-stack)', () => {
  const V4 = '127.53.1.4';
  const V6 = '::1'; // the one IPv6 loopback address: no root needed
  const ZONE = 'svc.cluster.local';
  let api: TestApi;
  let upstream: FakeUpstream;
  let dns: Dns;
  const dig = async (...args: string[]) =>
    (await promisify(execFile)('dig', [`@${V6}`, '-p', String(dns.port), '+tries=1', '+time=2', ...args])).stdout.trim();
  const ask6 = (msg: Buffer): Promise<Rcoded> =>
    new Promise((resolve, reject) => {
      const s = dgram.createSocket('udp6');
      s.on('message', (m) => {
        s.close();
        try {
          resolve(dnsPacket.decode(m) as Rcoded);
        } catch (e) {
          reject(e as Error);
        }
      });
      s.send(msg, dns.port, V6);
    });

  before(async () => {
    api = await startTestApi();
    const client = api.client();
    const ports = [{ name: 'http', protocol: 'TCP', port: 80 }];
    await client.create(R.namespaces, undefined, { metadata: { name: 'web' } });
    await storeClusterIPService(api, 'web', 'dual', ['127.96.3.1', 'fd00:96::31'], ports);
    await client.create(R.services, 'web', { metadata: { name: 'db', namespace: 'web' }, spec: { clusterIP: 'None', ports } });
    await client.create(R.endpointSlices, 'web', {
      metadata: { name: 'db-v6', namespace: 'web', labels: { 'kubernetes.io/service-name': 'db' } },
      addressType: 'IPv6',
      endpoints: [{ addresses: ['fd00:244::2'], hostname: 'db-0' }, { addresses: ['5678:abcd::2'] }],
      ports,
    });
    upstream = await startFakeUpstream(V6, { 'www.example.test': ['192.0.2.10', '2001:db8::10'] });
    dns = await startDns({
      client,
      log: pino({ level: 'silent' }),
      listenAddress: V4,
      extraAddresses: [V6],
      reverseCidrs: ['127.96.0.0/16', 'fd00:96::/112'],
      port: 0,
      metricsPort: 0,
      upstreams: [`[${V6}]:${upstream.port}`],
    });
    await eventually(async () => (await ask6(query(`dual.web.${ZONE}`))).rcode !== 'SERVFAIL', 10_000, 'a first answer over IPv6 that is not SERVFAIL');
  });

  after(async () => {
    await dns.stop();
    await upstream.close();
    await api.close();
  });

  it('publishes an EndpointSlice per family for kube-dns', async () => {
    const slices = await api.client().list<EndpointSlice>(R.endpointSlices, 'kube-system', { labelSelector: 'kubernetes.io/service-name=kube-dns' });
    assert.deepEqual(slices.items.map((s) => `${s.addressType} ${s.endpoints?.[0].addresses}`).sort(), [`IPv4 ${V4}`, `IPv6 ${V6}`]);
    assert.deepEqual(dns.addresses, [V4, V6]);
  });

  it('answers dig over IPv6, UDP and TCP, record by record as the specification in IPv6', { skip: needsDig.skip }, async () => {
    needsDig.check();
    assert.equal(await dig('+short', 'AAAA', `dual.web.${ZONE}`), 'fd00:96::31');
    assert.equal(await dig('+short', '+tcp', 'AAAA', `dual.web.${ZONE}`), 'fd00:96::31');
    assert.equal(await dig('+short', 'A', `dual.web.${ZONE}`), '127.96.3.1');
    // SRV: the target's A and AAAA in the additional section (spec 2.3.2).
    assert.equal((await dig('+noall', '+answer', '+additional', 'SRV', `_http._tcp.dual.web.${ZONE}`)).replace(/[ \t]+/g, ' '), [
      `_http._tcp.dual.web.${ZONE}. 30 IN SRV 0 100 80 dual.web.${ZONE}.`,
      `dual.web.${ZONE}. 30 IN A 127.96.3.1`,
      `dual.web.${ZONE}. 30 IN AAAA fd00:96::31`,
    ].join('\n'));
    // PTR under ip6.arpa, dig spelling the nibbles (spec 2.3.3, 2.4.3).
    assert.equal(await dig('+short', '-x', 'fd00:96::31'), `dual.web.${ZONE}.`);
    assert.equal(await dig('+short', '-x', 'fd00:244::2'), `db-0.db.web.${ZONE}.`);
    assert.equal(await dig('+short', '-x', '5678:abcd::2'), `5678-abcd--2.db.web.${ZONE}.`);
    // An unused address of the v6 service CIDR: NXDOMAIN from its reverse zone, not forwarded.
    const unused = await dig('+noall', '+comments', '+authority', '-x', 'fd00:96::99');
    assert.match(unused, /status: NXDOMAIN/);
    assert.match(unused, /^(0\.){20}6\.9\.0\.0\.0\.0\.d\.f\.ip6\.arpa\.\s+30\s+IN\s+SOA\s/m);
    assert.equal(upstream.queries.get(ip6ArpaName('fd00:96::99')), undefined);
    // Headless: AAAA per endpoint, by hostname and by CoreDNS's dashed IPv6 name (spec 2.4.1).
    assert.equal((await dig('+short', 'AAAA', `db.web.${ZONE}`)).split('\n').sort().join(' '), '5678:abcd::2 fd00:244::2');
    assert.equal(await dig('+short', 'AAAA', `db-0.db.web.${ZONE}`), 'fd00:244::2');
    assert.equal(await dig('+short', 'AAAA', `5678-abcd--2.db.web.${ZONE}`), '5678:abcd::2');
    // An A question for an IPv6-only name: NOERROR, no answer, the SOA (NODATA).
    const nodata = await dig('+noall', '+comments', '+authority', 'A', `db-0.db.web.${ZONE}`);
    assert.match(nodata, /status: NOERROR/);
    assert.match(nodata, /ANSWER: 0,/);
    assert.match(nodata, /^cluster\.local\.\s+30\s+IN\s+SOA\s+ns\.dns\.cluster\.local\. hostmaster\.cluster\.local\./m);
    // Pods by their IPv6 address (spec 2.6, CoreDNS `pods insecure`).
    assert.equal(await dig('+short', 'AAAA', 'fd00-244--2.web.pod.cluster.local'), 'fd00:244::2');
  });

  it('forwards to an IPv6 upstream', async () => {
    const aaaa = await ask6(query('www.example.test', 'AAAA'));
    assert.deepEqual(aaaa.answers?.map((a) => (a.type === 'AAAA' ? a.data : a.type)), ['2001:db8::10']);
    assert.equal(upstream.queries.get('www.example.test'), 1);
  });

  it('every answer, over either family, parses with dns-packet and survives re-encoding', async () => {
    const names = [`dual.web.${ZONE}`, `_http._tcp.dual.web.${ZONE}`, `db.web.${ZONE}`, `db-0.db.web.${ZONE}`, `5678-abcd--2.db.web.${ZONE}`,
      `nope.web.${ZONE}`, 'fd00-244--2.web.pod.cluster.local', ip6ArpaName('fd00:96::31'), ip6ArpaName('5678:abcd::2'), 'cluster.local'];
    const types = ['A', 'AAAA', 'SRV', 'PTR', 'NS', 'SOA', 'TXT', 'ANY', 'CNAME'];
    let seed = 21;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 120; i++) {
      const name = [...names[Math.floor(random() * names.length)]].map((c) => (random() < 0.5 ? c.toUpperCase() : c)).join('');
      const type = types[Math.floor(random() * types.length)];
      const msg = query(name, type);
      const r = i % 2 ? await ask6(msg) : await udpTo(V4, dns.port, msg);
      assert.equal(r.questions?.[0].name, name);
      assert.deepEqual(dnsPacket.decode(dnsPacket.encode(r)), r, `${name} ${type}`);
      for (const a of r.answers ?? []) if (a.type === 'AAAA') assert.ok(net.isIPv6(a.data), a.data);
    }
  });
});

