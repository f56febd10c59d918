import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { reverseZones } from './reverse-zones.js';

describe('reverseZones', () => {
  it('names one zone for a prefix on an octet or nibble boundary', () => {
    assert.deepEqual(reverseZones('127.96.0.0/16'), ['96.127.in-addr.arpa']);
    assert.deepEqual(reverseZones('10.244.1.0/24'), ['1.244.10.in-addr.arpa']);
    assert.deepEqual(reverseZones('fd00:96::/112'), ['0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.0.d.f.ip6.arpa']);
    assert.deepEqual(reverseZones('FD00:10:244::/48'), ['4.4.2.0.0.1.0.0.0.0.d.f.ip6.arpa']);
  });

  it('splits a prefix between boundaries as CoreDNS does', () => {
    assert.deepEqual(reverseZones('10.96.0.0/12'), Array.from({ length: 16 }, (_, i) => `${96 + i}.10.in-addr.arpa`));
    // 107 bits: 26 whole nibbles and 3 bits of the 27th, which is 0 or 1.
    assert.deepEqual(reverseZones('fd00:96::/107'), ['0', '1'].map((n) => `${n}.${'0.'.repeat(18)}6.9.0.0.0.0.d.f.ip6.arpa`));
    assert.deepEqual(reverseZones('0.0.0.0/0'), ['in-addr.arpa']);
  });

  it('refuses what is no CIDR', () => {
    for (const bad of ['10.0.0.0', '10.0.0.0/33', 'fd00::/129', 'nope/8', '10.0.0.0/x']) assert.throws(() => reverseZones(bad), /is not a CIDR/);
  });
});
