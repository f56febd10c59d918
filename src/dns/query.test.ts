import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket, { type Answer, type Packet } from 'dns-packet';
import { emptyQuery, readQuery } from './query.js';

const encode = (name: string, extra: Partial<Packet> = {}, type = 'A'): Buffer =>
  dnsPacket.encode({ type: 'query', id: 0xbeef, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as 'A' }], ...extra });
const opt = (udpPayloadSize: number, ednsVersion = 0): Answer =>
  ({ name: '.', type: 'OPT', udpPayloadSize, extendedRcode: 0, ednsVersion, flags: 0, flag_do: false, options: [] });

function read(msg: Buffer) {
  const q = emptyQuery();
  return { result: readQuery(msg, q), q };
}

describe('readQuery', () => {
  it('reads the header and the question, keeping the name\'s case', () => {
    const { result, q } = read(encode('Svc.NS.svc.cluster.local', {}, 'SRV'));
    assert.equal(result, 'ok');
    assert.deepEqual(
      { id: q.id, opcode: q.opcode, response: q.response, rd: q.recursionDesired, name: q.name, type: q.type, qclass: q.qclass, edns: q.edns },
      { id: 0xbeef, opcode: 0, response: false, rd: true, name: 'Svc.NS.svc.cluster.local', type: 'SRV', qclass: 'IN', edns: false },
    );
    assert.equal(q.nameEnd, 12 + 'Svc.NS.svc.cluster.local'.length + 2);
    assert.equal(read(encode('.')).q.name, '.');
    assert.equal(read(encode('x', {}, 'TYPE65')).q.type, dnsPacket.decode(encode('x', {}, 'TYPE65')).questions![0].type);
  });

  it('reads EDNS0 from the additional section: payload size and version; two OPT records are FORMERR', () => {
    const { result, q } = read(encode('a.b', { additionals: [opt(1232)] }));
    assert.equal(result, 'ok');
    assert.deepEqual([q.edns, q.udpPayloadSize, q.ednsVersion], [true, 1232, 0]);
    assert.equal(read(encode('a.b', { additionals: [opt(4096, 1)] })).q.ednsVersion, 1);
    assert.equal(read(encode('a.b', { additionals: [opt(512), opt(512)] })).result, 'formerr');
    // An OPT outside the additional section is not EDNS.
    assert.equal(read(encode('a.b', { answers: [opt(4096)] })).q.edns, false);
  });

  it('is FORMERR unless there is exactly one question, with the header still read', () => {
    for (const questions of [[], [{ name: 'a', type: 'A' as const }, { name: 'b', type: 'A' as const }]]) {
      const { result, q } = read(dnsPacket.encode({ type: 'query', id: 7, questions }));
      assert.equal(result, 'formerr');
      assert.equal(q.id, 7);
    }
  });

  it('is short below 12 bytes and FORMERR for every other truncation', () => {
    const full = encode('svc.ns.svc.cluster.local', { additionals: [opt(1232)] });
    for (let n = 0; n < full.length; n++) assert.equal(read(full.subarray(0, n)).result, n < 12 ? 'short' : 'formerr', `${n} bytes`);
    assert.equal(read(full).result, 'ok');
  });

  it('follows compression pointers only backwards: a loop or a forward pointer is FORMERR', () => {
    const header = encode('a').subarray(0, 12);
    const self = Buffer.concat([header, Buffer.from([0xc0, 12, 0, 1, 0, 1])]);
    assert.equal(read(self).result, 'formerr');
    const forward = Buffer.concat([header, Buffer.from([0xc0, 18, 0, 1, 0, 1, 1, 0x61, 0])]);
    assert.equal(read(forward).result, 'formerr');
    // A reserved label type (0x40, 0x80) is not a length.
    assert.equal(read(Buffer.concat([header, Buffer.from([0x41, 0x61, 0, 0, 1, 0, 1])])).result, 'formerr');
    // A name over 255 bytes.
    const long = Array.from({ length: 5 }, () => 'x'.repeat(63)).join('.');
    const labels = Buffer.concat([...long.split('.').map((l) => Buffer.from([l.length, ...Buffer.from(l)])), Buffer.from([0, 0, 1, 0, 1])]);
    assert.equal(read(Buffer.concat([header, labels])).result, 'formerr');
  });

  it('agrees with dns-packet on mangled queries, and never throws', () => {
    let seed = 19;
    const random = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * n;
    const seeds = [encode('front.web.svc.cluster.local', { additionals: [opt(1232)] }, 'SRV'), encode('Ext-1.Example.test'), encode('10.0.96.127.in-addr.arpa', {}, 'PTR')];
    for (let i = 0; i < 5000; i++) {
      const msg = i % 4 === 0 ? Buffer.from(Array.from({ length: Math.floor(random(80)) }, () => Math.floor(random(256)))) : Buffer.from(seeds[i % seeds.length]);
      for (let flips = Math.floor(random(4)); flips > 0 && msg.length; flips--) msg[Math.floor(random(msg.length))] = Math.floor(random(256));
      const { result, q } = read(msg);
      let decoded: ReturnType<typeof dnsPacket.decode> | undefined;
      try {
        decoded = dnsPacket.decode(msg);
      } catch {
        decoded = undefined;
      }
      if (result === 'ok' && decoded?.questions?.length === 1) {
        assert.equal(q.name, decoded.questions[0].name);
        assert.equal(q.type, decoded.questions[0].type);
      }
    }
  });
});
