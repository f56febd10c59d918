import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cidrSize, formatAnyCIDR, formatIP, ipAt, ipOffset, ipToBigInt, parseAnyCIDR, subnetAt } from './cidr6.js';

describe('formatIP: RFC 5952 text', () => {
  for (const [input, want] of [
    ['fd00:10:244:1:0:0:0:5', 'fd00:10:244:1::5'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // the first of two equal runs
    ['2001:0db8:0000:0001:0001:0001:0001:0001', '2001:db8:0:1:1:1:1:1'], // one zero group is not compressed
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['fe80:0:0:0:0:0:0:0', 'fe80::'],
    ['FD00::A', 'fd00::a'],
    ['10.96.0.10', '10.96.0.10'],
  ] as const) {
    it(`${input} → ${want}`, () => {
      const ip = ipToBigInt(input)!;
      assert.equal(formatIP(ip.family, ip.n), want);
    });
  }
});

describe('CIDRs of either family', () => {
  it('parses, drops host bits and formats', () => {
    assert.equal(formatAnyCIDR(parseAnyCIDR('fd00:10:244::5/56')!), 'fd00:10:244::/56');
    assert.equal(formatAnyCIDR(parseAnyCIDR('10.244.1.7/16')!), '10.244.0.0/16');
    for (const bad of ['fd00::/129', '10.0.0.0/33', 'fd00::', 'x/8', 'fd00::/8/8']) assert.equal(parseAnyCIDR(bad), undefined, bad);
  });

  it('finds addresses by offset and back', () => {
    const c = parseAnyCIDR('fd00:10:244:1::/64')!;
    assert.equal(ipAt(c, 258), 'fd00:10:244:1::102');
    assert.equal(ipOffset(c, 'fd00:10:244:1::102'), 258n);
    assert.equal(ipOffset(c, 'fd00:10:244:2::1'), undefined);
    assert.equal(ipOffset(c, '10.244.1.2'), undefined);
    assert.equal(cidrSize(c), 2n ** 64n);
  });

  it('carves the i-th subnet', () => {
    assert.equal(formatAnyCIDR(subnetAt(parseAnyCIDR('fd00:10:244::/56')!, 64, 10)!), 'fd00:10:244:a::/64');
    assert.equal(formatAnyCIDR(subnetAt(parseAnyCIDR('10.244.0.0/16')!, 24, 3)!), '10.244.3.0/24');
    assert.equal(subnetAt(parseAnyCIDR('10.244.0.0/16')!, 24, 256), undefined);
    assert.equal(subnetAt(parseAnyCIDR('10.244.0.0/16')!, 8, 0), undefined);
  });
});
