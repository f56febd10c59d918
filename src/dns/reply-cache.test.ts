import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket from 'dns-packet';
import { patchReply, ReplyCache, replyKey, sameQuestion } from './reply-cache.js';

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
  it('drops exactly the replies computed from a changed dependency', () => {
    const c = new ReplyCache<undefined>(10);
    c.set('a', entry(['svc:ns/a', 'ns:ns']));
    c.set('a-tcp', entry(['svc:ns/a']));
    c.set('b', entry(['svc:ns/b']));
    assert.deepEqual(c.invalidate(['svc:ns/a']).sort(), ['a', 'a-tcp']);
    assert.equal(c.get('a'), undefined);
    assert.ok(c.get('b'));
    assert.deepEqual(c.invalidate(['ns:ns', 'svc:ns/a']), []); // the index forgot the dropped ones
  });

  it('expires replies and evicts the oldest when full', () => {
    let now = 0;
    const c = new ReplyCache<undefined>(2, () => now);
    c.set('old', entry(['d'], 1000));
    c.set('mid', entry(['d'], 5000));
    c.set('new', entry(['d'], 5000));
    assert.equal(c.get('old'), undefined);
    assert.equal(c.size, 2);
    now = 5000;
    assert.equal(c.get('mid'), undefined);
    assert.deepEqual(c.invalidate(['d']), ['new']);
    assert.equal(c.size, 0);
  });
});
