// Forwarding over real loopback sockets: replies that do not come from the server asked are
// ignored (RFC 5452), every query leaves from a fresh port, and cached TTLs are capped.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { startFakeUpstream, type FakeUpstream } from '../../test/support/fake-upstream.js';
import { MAX_CACHE_TTL, Upstream } from './upstream.js';

const SERVER = '127.53.6.1';
const SPOOFER = '127.53.6.2';

const bind = async (address: string, port = 0): Promise<dgram.Socket> => {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(port, address, resolve));
  return s;
};

const aReply = (query: Buffer, ip: string): Buffer => {
  const q = dnsPacket.decode(query);
  return dnsPacket.encode({
    type: 'response',
    id: q.id,
    flags: dnsPacket.RECURSION_AVAILABLE,
    questions: q.questions,
    answers: [{ name: q.questions![0].name, type: 'A', ttl: 300, class: 'IN', data: ip }],
  });
};

describe('Upstream', () => {
  let fake: FakeUpstream;
  before(async () => {
    fake = await startFakeUpstream(SERVER, { 'www.example.test': ['192.0.2.10'], 'a.example.test': ['192.0.2.1'], 'b.example.test': ['192.0.2.2'] });
  });
  after(() => fake.close());

  it('ignores a forged reply from another port or address, and takes the server\'s', async () => {
    const server = await bind(SERVER);
    const otherPort = await bind(SERVER);
    const otherAddress = await bind(SPOOFER, server.address().port);
    const seen: number[] = [];
    server.on('message', (query, from) => {
      seen.push(from.port);
      // The forgeries carry the right ID and question and arrive first; the truth comes later.
      otherPort.send(aReply(query, '6.6.6.6'), from.port, from.address);
      otherAddress.send(aReply(query, '6.6.6.7'), from.port, from.address);
      setTimeout(() => server.send(aReply(query, '192.0.2.99'), from.port, from.address), 50);
    });
    const up = new Upstream({ servers: [`${SERVER}:${server.address().port}`], timeoutMs: 2000 });
    try {
      const r = await up.resolve({ name: 'spoofed.example.test', type: 'A' });
      assert.equal(r.rcode, 'NOERROR');
      assert.deepEqual(r.answers.map((a) => (a as { data: string }).data), ['192.0.2.99']);
      assert.equal(seen.length, 1);
    } finally {
      up.close();
      for (const s of [server, otherPort, otherAddress]) s.close();
    }
  });

  it('sends each query from its own source port', async () => {
    const server = await bind(SERVER);
    const ports: number[] = [];
    server.on('message', (query, from) => {
      ports.push(from.port);
      server.send(aReply(query, '192.0.2.1'), from.port, from.address);
    });
    const up = new Upstream({ servers: [`${SERVER}:${server.address().port}`] });
    try {
      for (const name of ['p1.example.test', 'p2.example.test', 'p3.example.test']) await up.resolve({ name, type: 'A' });
      assert.equal(ports.length, 3);
      assert.ok(new Set(ports).size > 1, `all queries left from port ${ports[0]}`);
    } finally {
      up.close();
      server.close();
    }
  });

  it('caps the TTL of what it caches and returns at 30 s, and ages it', async () => {
    let now = 1_000_000;
    const up = new Upstream({ servers: [`${SERVER}:${fake.port}`], now: () => now });
    try {
      const first = await up.resolve({ name: 'www.example.test', type: 'A' });
      assert.deepEqual(first.answers.map((a) => (a as { ttl: number }).ttl), [MAX_CACHE_TTL]); // the server said 300
      now += 10_000;
      const cached = await up.resolve({ name: 'www.example.test', type: 'A' });
      assert.equal(cached.cached, true);
      assert.deepEqual(cached.answers.map((a) => (a as { ttl: number }).ttl), [MAX_CACHE_TTL - 10]);
      now += 21_000;
      assert.equal((await up.resolve({ name: 'www.example.test', type: 'A' })).cached, false);
      assert.equal(fake.queries.get('www.example.test'), 2);
    } finally {
      up.close();
    }
  });
});
