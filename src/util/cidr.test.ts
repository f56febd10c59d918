import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalIP, cidrAddressAt, cidrOffsetOf, formatCIDRText, parseCIDR, parseDualStackCIDRs } from './cidr.js';

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
