import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalIP, cidrAddressAt, cidrOffset, cidrOffsetOf, cidrSize, formatCIDRText, formatIP, ipToBigInt, parseCIDR, parseDualStackCIDRs, subnetAt } from './cidr.js';

test('canonicalIP prints IPv6 as Go does (RFC 5952)', () => {
  const cases: [string, string | undefined][] = [
    ['fd00:0:0:0:0:0:0:a', 'fd00::a'],
    ['FD00:0010:0096::000A', 'fd00:10:96::a'],
    ['::', '::'],
    ['::1', '::1'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'], // the longest zero run
    ['1:0:0:2:0:0:3:4', '1::2:0:0:3:4'], // the first of equal runs
    ['1:2:3:4:5:6:0:8', '1:2:3:4:5:6:0:8'], // a single zero group stays
    ['10.96.0.1', '10.96.0.1'],
    ['fd00::g', undefined],
  ];
  for (const [input, want] of cases) assert.equal(canonicalIP(input), want, input);
});

test('CIDRs of either family: network, offsets, text', () => {
  const v6 = parseCIDR('fd00:10:96::5/108')!;
  assert.equal(formatCIDRText(v6), 'fd00:10:96::/108');
  assert.equal(cidrAddressAt(v6, 0x1234), 'fd00:10:96::1234');
  assert.equal(cidrOffsetOf(v6, 'fd00:10:96::f:ffff'), 0xfffff);
  assert.equal(cidrOffsetOf(v6, 'fd00:10:96::10:0'), undefined, 'outside');
  assert.equal(cidrOffsetOf(v6, '10.96.0.1'), undefined, 'other family');
  assert.equal(cidrOffsetOf(parseCIDR('fd00::/0')!, 'ffff::'), undefined, 'beyond a safe integer');
  const v4 = parseCIDR('10.96.3.7/16')!;
  assert.deepEqual([formatCIDRText(v4), cidrAddressAt(v4, 258), cidrOffsetOf(v4, '10.96.1.2')], ['10.96.0.0/16', '10.96.1.2', 258]);
  for (const bad of ['10.0.0.0/33', 'fd00::/129', 'fd00::', 'x/8']) assert.equal(parseCIDR(bad), undefined, bad);
});

test('parseDualStackCIDRs: kube-controller-manager-like lists', () => {
  assert.deepEqual(parseDualStackCIDRs('--cluster-cidr', '10.244.0.0/16, fd00:10:244::/56').map(formatCIDRText), ['10.244.0.0/16', 'fd00:10:244::/56']);
  assert.throws(() => parseDualStackCIDRs('--cluster-cidr', 'fd00::/56,fd01::/56'), { message: '--cluster-cidr[0] and --cluster-cidr[1] must be of different IP family' });
});

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
    assert.equal(formatCIDRText(parseCIDR('fd00:10:244::5/56')!), 'fd00:10:244::/56');
    assert.equal(formatCIDRText(parseCIDR('10.244.1.7/16')!), '10.244.0.0/16');
    for (const bad of ['fd00::/129', '10.0.0.0/33', 'fd00::', 'x/8', 'fd00::/8/8']) assert.equal(parseCIDR(bad), undefined, bad);
  });

  it('finds addresses by offset and back', () => {
    const c = parseCIDR('fd00:10:244:1::/64')!;
    assert.equal(cidrAddressAt(c, 258), 'fd00:10:244:1::102');
    assert.equal(cidrOffset(c, 'fd00:10:244:1::102'), 258n);
    assert.equal(cidrOffset(c, 'fd00:10:244:2::1'), undefined);
    assert.equal(cidrOffset(c, '10.244.1.2'), undefined);
    assert.equal(cidrSize(c), 2n ** 64n);
  });

  it('carves the i-th subnet', () => {
    assert.equal(formatCIDRText(subnetAt(parseCIDR('fd00:10:244::/56')!, 64, 10)!), 'fd00:10:244:a::/64');
    assert.equal(formatCIDRText(subnetAt(parseCIDR('10.244.0.0/16')!, 24, 3)!), '10.244.3.0/24');
    assert.equal(subnetAt(parseCIDR('10.244.0.0/16')!, 24, 256), undefined);
    assert.equal(subnetAt(parseCIDR('10.244.0.0/16')!, 8, 0), undefined);
  });
});
