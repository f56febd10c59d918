import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addressAt,
  formatCIDR,
  formatIPv4,
  ipFamilyOf,
  isLinkLocalMulticastIP,
  isLinkLocalUnicastIP,
  isLoopbackIP,
  isUnspecifiedIP,
  isValidCIDR,
  offsetOf,
  parseIPv4,
  parseIPv4CIDR,
  parseIPv6,
} from './ip.js';

test('parseIPv4 / formatIPv4', () => {
  const cases: { name: string; in: string; want: number | undefined }[] = [
    { name: 'zero', in: '0.0.0.0', want: 0 },
    { name: 'max', in: '255.255.255.255', want: 0xffffffff },
    { name: 'ordinary', in: '10.96.0.10', want: 0x0a60000a },
    { name: 'leading zeros are decimal (sloppy)', in: '010.1.1.1', want: 0x0a010101 },
    { name: 'octet too big', in: '1.2.3.256', want: undefined },
    { name: 'too few parts', in: '1.2.3', want: undefined },
    { name: 'empty part', in: '1..2.3', want: undefined },
    { name: 'sign', in: '1.2.3.-4', want: undefined },
    { name: 'ipv6', in: '::1', want: undefined },
  ];
  for (const c of cases) assert.equal(parseIPv4(c.in), c.want, c.name);
  assert.equal(formatIPv4(0xffffffff), '255.255.255.255');
  assert.equal(formatIPv4(0x0a60000a), '10.96.0.10');
});

test('parseIPv6', () => {
  const cases: { name: string; in: string; want: number[] | undefined }[] = [
    { name: 'loopback', in: '::1', want: [0, 0, 0, 0, 0, 0, 0, 1] },
    { name: 'unspecified', in: '::', want: [0, 0, 0, 0, 0, 0, 0, 0] },
    { name: 'full', in: '2001:db8:0:0:0:0:0:ffff', want: [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0xffff] },
    { name: 'compressed middle', in: 'fe80::1:2', want: [0xfe80, 0, 0, 0, 0, 0, 1, 2] },
    { name: 'ipv4 mapped', in: '::ffff:127.0.0.1', want: [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1] },
    { name: 'ipv4 right after ::', in: '::1.2.3.4', want: [0, 0, 0, 0, 0, 0, 0x0102, 0x0304] },
    { name: 'two ::', in: '1::2::3', want: undefined },
    { name: 'too many groups', in: '1:2:3:4:5:6:7:8:9', want: undefined },
    { name: 'too few groups', in: '1:2:3', want: undefined },
    { name: 'bad group', in: '12345::1', want: undefined },
    { name: 'ipv4', in: '1.2.3.4', want: undefined },
  ];
  for (const c of cases) assert.deepEqual(parseIPv6(c.in), c.want, c.name);
});

test('ipFamilyOf', () => {
  assert.equal(ipFamilyOf('10.0.0.1'), 'IPv4');
  assert.equal(ipFamilyOf('fd00::10'), 'IPv6');
  assert.equal(ipFamilyOf('None'), undefined);
});

test('parseIPv4CIDR, addressAt, offsetOf', () => {
  const c = parseIPv4CIDR('10.96.0.0/12');
  assert.deepEqual(c, { network: 0x0a600000, prefix: 12, size: 1 << 20 });
  assert.equal(formatCIDR(parseIPv4CIDR('127.96.5.7/16')!), '127.96.0.0/16', 'host bits dropped');
  for (const bad of ['10.0.0.0', '10.0.0.0/33', '10.0.0/8', '10.0.0.0/8/1', 'fd00::/64', '10.0.0.0/x'])
    assert.equal(parseIPv4CIDR(bad), undefined, bad);
  assert.equal(parseIPv4CIDR('0.0.0.0/0')?.size, 2 ** 32);

  const s = parseIPv4CIDR('127.96.0.0/16')!;
  const cases: { name: string; ip: string; want: number | undefined }[] = [
    { name: 'network', ip: '127.96.0.0', want: 0 },
    { name: 'first host', ip: '127.96.0.1', want: 1 },
    { name: 'tenth', ip: '127.96.0.10', want: 10 },
    { name: 'broadcast', ip: '127.96.255.255', want: 65535 },
    { name: 'just outside', ip: '127.97.0.0', want: undefined },
    { name: 'below', ip: '127.95.255.255', want: undefined },
    { name: 'not an ip', ip: 'x', want: undefined },
  ];
  for (const c of cases) assert.equal(offsetOf(s, c.ip), c.want, c.name);
  assert.equal(addressAt(s, 10), '127.96.0.10');
  assert.equal(addressAt(s, 256 + 7), '127.96.1.7');
});

test('special address classes', () => {
  const cases: { ip: string; unspecified: boolean; loopback: boolean; linkLocal: boolean; llMulticast: boolean }[] = [
    { ip: '0.0.0.0', unspecified: true, loopback: false, linkLocal: false, llMulticast: false },
    { ip: '::', unspecified: true, loopback: false, linkLocal: false, llMulticast: false },
    { ip: '127.0.0.1', unspecified: false, loopback: true, linkLocal: false, llMulticast: false },
    { ip: '127.96.0.10', unspecified: false, loopback: true, linkLocal: false, llMulticast: false },
    { ip: '::1', unspecified: false, loopback: true, linkLocal: false, llMulticast: false },
    { ip: '::ffff:127.0.0.1', unspecified: false, loopback: true, linkLocal: false, llMulticast: false },
    { ip: '169.254.169.254', unspecified: false, loopback: false, linkLocal: true, llMulticast: false },
    { ip: 'fe80::1', unspecified: false, loopback: false, linkLocal: true, llMulticast: false },
    { ip: '224.0.0.251', unspecified: false, loopback: false, linkLocal: false, llMulticast: true },
    { ip: '224.0.1.1', unspecified: false, loopback: false, linkLocal: false, llMulticast: false },
    { ip: 'ff02::1', unspecified: false, loopback: false, linkLocal: false, llMulticast: true },
    { ip: '192.168.1.10', unspecified: false, loopback: false, linkLocal: false, llMulticast: false },
    { ip: '2001:db8::1', unspecified: false, loopback: false, linkLocal: false, llMulticast: false },
  ];
  for (const c of cases) {
    assert.equal(isUnspecifiedIP(c.ip), c.unspecified, `${c.ip} unspecified`);
    assert.equal(isLoopbackIP(c.ip), c.loopback, `${c.ip} loopback`);
    assert.equal(isLinkLocalUnicastIP(c.ip), c.linkLocal, `${c.ip} link-local`);
    assert.equal(isLinkLocalMulticastIP(c.ip), c.llMulticast, `${c.ip} link-local multicast`);
  }
});

test('isValidCIDR', () => {
  const cases: { in: string; want: boolean }[] = [
    { in: '10.0.0.0/8', want: true },
    { in: '10.1.2.3/32', want: true },
    { in: '2001:db8::/64', want: true },
    { in: '::/0', want: true },
    { in: '2001:db8::/129', want: false },
    { in: '10.0.0.0', want: false },
    { in: '10.0.0.0/33', want: false },
    { in: 'x/8', want: false },
  ];
  for (const c of cases) assert.equal(isValidCIDR(c.in), c.want, c.in);
});
