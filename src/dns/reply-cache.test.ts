import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket from 'dns-packet';
import { hashKey, patchReply, ReplyCache, replyKey, sameQuestion } from './reply-cache.js';

const query = (id: number, name: string, flags = dnsPacket.RECURSION_DESIRED): Buffer =>
  dnsPacket.encode({ type: 'query', id, flags, questions: [{ name, type: 'A' }] });
const reply = (id: number, name: string): Buffer =>
  dnsPacket.encode({ type: 'response', id, questions: [{ name, type: 'A' }], answers: [{ name, type: 'A', ttl: 30, data: '127.96.0.1' }] });
const entry = (deps: string[], expires = Infinity) => ({ bytes: Buffer.alloc(12), expires, deps, label: undefined });

describe('replyKey', () => {
  it('ignores the ID and the question\'s case, keeps flags, type and transport apart', () => {
    const k = replyKey(query(1, 'Svc.NS.svc.cluster.local'), 'udp');
    assert.equal(replyKey(query(2, 'svc.ns.SVC.cluster.local'), 'udp'), k);
    assert.notEqual(replyKey(query(1, 'svc.ns.svc.cluster.local'), 'tcp'), k);
    assert.notEqual(replyKey(query(1, 'svc.ns.svc.cluster.local', 0), 'udp'), k);
    assert.notEqual(replyKey(query(1, 'svd.ns.svc.cluster.local'), 'udp'), k);
  });

  it('declines what it cannot read plainly: a compressed or unterminated name, a long query', () => {
    const q = query(1, 'a.b');
    const pointer = Buffer.concat([q.subarray(0, 12), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1])]);
    assert.equal(replyKey(pointer, 'udp'), undefined);
    assert.equal(replyKey(q.subarray(0, 14), 'udp'), undefined);
    assert.equal(replyKey(Buffer.concat([q, Buffer.alloc(600)]), 'udp'), undefined);
  });
});

describe('patchReply', () => {
  it('gives the asker its ID and its question case, and leaves the stored bytes alone', () => {
    const stored = reply(1, 'svc.ns.svc.cluster.local');
    const asked = query(0xbeef, 'SVC.ns.Svc.cluster.local');
    assert.ok(sameQuestion(stored, asked));
    const out = dnsPacket.decode(patchReply(stored, asked));
    assert.equal(out.id, 0xbeef);
    assert.equal(out.questions?.[0].name, 'SVC.ns.Svc.cluster.local');
    assert.equal(dnsPacket.decode(stored).id, 1);
    assert.equal(sameQuestion(reply(1, 'other.ns.svc.cluster.local'), asked), false);
  });
});

describe('ReplyCache', () => {
  const key = (name: string, transport: 'udp' | 'tcp' = 'udp'): string => replyKey(query(1, name), transport)!;

  it('finds a stored reply from the query bytes alone: any ID, any case, not another transport or name', () => {
    const c = new ReplyCache<undefined>(10);
    c.set(key('a.ns.svc.cluster.local'), entry([]));
    assert.ok(c.lookup(query(7, 'A.Ns.svc.cluster.LOCAL'), 'udp'));
    assert.equal(c.lookup(query(7, 'a.ns.svc.cluster.local'), 'tcp'), undefined);
    assert.equal(c.lookup(query(7, 'b.ns.svc.cluster.local'), 'udp'), undefined);
    assert.equal(c.lookup(query(7, 'a.ns.svc.cluster.local', 0), 'udp'), undefined);
  });

  it('tells apart keys whose hashes collide', () => {
    // Random names of one length, written into one query's bytes: fast enough to hash until two
    // collide (a birthday search in 30 bits: ~40,000 names).
    const template = query(1, 'n000000.ns.svc.cluster.local');
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    while (!pair) {
      const label = `n${Math.random().toString(36).slice(2, 8).padEnd(6, '0')}`;
      template.write(label, 13, 'latin1');
      const name = `${label}.ns.svc.cluster.local`;
      const h = hashKey(replyKey(template, 'udp')!);
      const other = seen.get(h);
      if (other !== undefined && other !== name) pair = [other, name];
      else seen.set(h, name);
    }
    const c = new ReplyCache<string>(10);
    for (const n of pair) c.set(key(n), { ...entry([]), label: n });
    for (const n of pair) assert.equal(c.lookup(query(3, n), 'udp')?.label, n);
    c.delete(key(pair[1])); // the chain's head
    assert.equal(c.lookup(query(3, pair[1]), 'udp'), undefined);
    assert.equal(c.lookup(query(3, pair[0]), 'udp')?.label, pair[0]);
    c.set(key(pair[1]), { ...entry([]), label: pair[1] });
    c.delete(key(pair[0])); // now behind the head
    assert.equal(c.lookup(query(3, pair[1]), 'udp')?.label, pair[1]);
    assert.equal(c.lookup(query(3, pair[0]), 'udp'), undefined);
  });

  it('drops exactly the replies computed from a changed dependency', () => {
    const c = new ReplyCache<undefined>(10);
    c.set(key('a'), entry(['svc:ns/a', 'ns:ns']));
    c.set(key('a', 'tcp'), entry(['svc:ns/a']));
    c.set(key('b'), entry(['svc:ns/b']));
    assert.deepEqual(c.invalidate(['svc:ns/a']).sort(), [key('a', 'tcp'), key('a')].sort());
    assert.equal(c.lookup(query(1, 'a'), 'udp'), undefined);
    assert.ok(c.lookup(query(1, 'b'), 'udp'));
    assert.deepEqual(c.invalidate(['ns:ns', 'svc:ns/a']), []); // the index forgot the dropped ones
  });

  it('expires replies and evicts the oldest when full', () => {
    let now = 0;
    const c = new ReplyCache<undefined>(2, () => now);
    c.set(key('old'), entry(['d'], 1000));
    c.set(key('mid'), entry(['d'], 5000));
    c.set(key('new'), entry(['d'], 5000));
    assert.equal(c.lookup(query(1, 'old'), 'udp'), undefined);
    assert.equal(c.size, 2);
    now = 5000;
    assert.equal(c.lookup(query(1, 'mid'), 'udp'), undefined);
    assert.deepEqual(c.invalidate(['d']), [key('new')]);
    assert.equal(c.size, 0);
  });
});
