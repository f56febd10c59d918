import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PodIPAllocator } from './pod-ips.js';

describe('PodIPAllocator', () => {
  it('skips the network, gateway and broadcast addresses', () => {
    const a = new PodIPAllocator('10.1.2.0/29');
    const got = ['a', 'b', 'c', 'd', 'e', 'f'].map((uid) => a.allocate(uid));
    assert.deepEqual(got, ['10.1.2.2', '10.1.2.3', '10.1.2.4', '10.1.2.5', '10.1.2.6', undefined]);
  });

  it('never hands out .0 or .255 inside a larger CIDR', () => {
    const a = new PodIPAllocator('127.244.0.0/16');
    const seen = new Set<string>();
    for (let i = 0; i < 600; i++) seen.add(a.allocate(`p${i}`)!);
    assert.equal(seen.size, 600);
    for (const ip of seen) assert.doesNotMatch(ip, /\.(0|255)$/);
  });

  it('gives a pod the same IP again, and its previous IP when free', () => {
    const a = new PodIPAllocator('127.244.0.0/24');
    assert.equal(a.allocate('x', '127.244.0.77'), '127.244.0.77');
    assert.equal(a.allocate('x'), '127.244.0.77');
    // Taken, or outside the CIDR: a fresh one.
    assert.equal(a.allocate('y', '127.244.0.77'), '127.244.0.2');
    assert.equal(a.allocate('z', '10.0.0.5'), '127.244.0.3');
  });

  it('does not reuse a released IP at once', () => {
    const a = new PodIPAllocator('127.244.0.0/24');
    const first = a.allocate('a');
    a.release('a');
    assert.notEqual(a.allocate('b'), first);
  });

  it('refuses a CIDR too small for pods', () => {
    assert.throws(() => new PodIPAllocator('127.244.0.0/31'), /no room|room for pods/);
    assert.throws(() => new PodIPAllocator('nonsense'));
  });
});
