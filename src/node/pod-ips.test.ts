import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PodIPAllocator } from './pod-ips.js';

describe('PodIPAllocator', () => {
  it('skips the network, gateway and broadcast addresses', () => {
    const a = new PodIPAllocator(['10.1.2.0/29']);
    const got = ['a', 'b', 'c', 'd', 'e', 'f'].map((uid) => a.allocate(uid)?.[0]);
    assert.deepEqual(got, ['10.1.2.2', '10.1.2.3', '10.1.2.4', '10.1.2.5', '10.1.2.6', undefined]);
  });

  it('never hands out .0 or .255 inside a larger CIDR', () => {
    const a = new PodIPAllocator(['127.244.0.0/16']);
    const seen = new Set<string>();
    for (let i = 0; i < 600; i++) seen.add(a.allocate(`p${i}`)![0]!);
    assert.equal(seen.size, 600);
    for (const ip of seen) assert.doesNotMatch(ip, /\.(0|255)$/);
  });

  it('gives a pod the same IP again, and its previous IP when free', () => {
    const a = new PodIPAllocator(['127.244.0.0/24']);
    assert.deepEqual(a.allocate('x', ['127.244.0.77']), ['127.244.0.77']);
    assert.deepEqual(a.allocate('x'), ['127.244.0.77']);
    // Taken, or outside the CIDR: a fresh one.
    assert.deepEqual(a.allocate('y', ['127.244.0.77']), ['127.244.0.2']);
    assert.deepEqual(a.allocate('z', ['10.0.0.5']), ['127.244.0.3']);
  });

  it('does not reuse a released IP at once', () => {
    const a = new PodIPAllocator(['127.244.0.0/24']);
    const first = a.allocate('a');
    a.release('a');
    assert.notDeepEqual(a.allocate('b'), first);
  });

  it('refuses a CIDR too small for pods', () => {
    assert.throws(() => new PodIPAllocator(['127.244.0.0/31']), /room for pods/);
    assert.throws(() => new PodIPAllocator(['nonsense']));
    assert.throws(() => new PodIPAllocator([]));
  });
});

describe('PodIPAllocator, dual-stack', () => {
  it('gives each pod one address per family at the same offset, primary first', () => {
    const a = new PodIPAllocator(['10.244.1.0/24', 'fd00:10:244:1::/64']);
    assert.deepEqual(a.allocate('a'), ['10.244.1.2', 'fd00:10:244:1::2']);
    assert.deepEqual(a.allocate('b'), ['10.244.1.3', 'fd00:10:244:1::3']);
    const v6First = new PodIPAllocator(['fd00:10:244:1::/64', '10.244.1.0/24']);
    assert.deepEqual(v6First.allocate('a'), ['fd00:10:244:1::2', '10.244.1.2']);
  });

  it('stops where the smaller family runs out, and skips what the IPv4 side skips', () => {
    const a = new PodIPAllocator(['10.244.1.0/24', 'fd00:10:244:1::/64']);
    const all = Array.from({ length: 260 }, (_, i) => a.allocate(`p${i}`));
    // .2 … .254: 253 pods, then full, though the /64 has room.
    assert.equal(all.filter(Boolean).length, 253);
    assert.deepEqual(all[252], ['10.244.1.254', 'fd00:10:244:1::fe']);
    assert.equal(all[253], undefined);
  });

  it('recovers the offset from either family of a restarted pod, and adds the family it lacked', () => {
    const a = new PodIPAllocator(['10.244.1.0/24', 'fd00:10:244:1::/64']);
    assert.deepEqual(a.allocate('x', ['fd00:10:244:1::2a']), ['10.244.1.42', 'fd00:10:244:1::2a']);
    // A pod from before the cluster was dual-stack keeps its IPv4 address and gains the IPv6 twin.
    assert.deepEqual(a.allocate('y', ['10.244.1.7']), ['10.244.1.7', 'fd00:10:244:1::7']);
    // Taken by x: y2 gets a fresh pair.
    assert.deepEqual(a.allocate('y2', ['10.244.1.42']), ['10.244.1.2', 'fd00:10:244:1::2']);
  });

  it('works IPv6-only, over a huge range without scanning it', () => {
    const a = new PodIPAllocator(['fd00:10:244:1::/64']);
    assert.deepEqual(a.allocate('a'), ['fd00:10:244:1::2']);
    assert.deepEqual(a.allocate('b', ['fd00:10:244:1::ff']), ['fd00:10:244:1::ff']);
  });
});
