import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodePortIPs } from './node-addresses.js';

test('--nodeport-addresses', async (t) => {
  const ifaces = ['127.0.0.1', '10.0.0.5', '192.168.1.9', '::1', 'fd00:20::1'];
  const cases = [
    { name: 'default: the node IPs', cidrs: undefined, want: ['127.0.0.1'] },
    { name: 'loopback CIDR', cidrs: ['127.0.0.0/8'], want: ['127.0.0.1'] },
    { name: 'several CIDRs', cidrs: ['10.0.0.0/8', '192.168.0.0/16'], want: ['10.0.0.5', '192.168.1.9'] },
    { name: 'nothing matches', cidrs: ['172.16.0.0/12'], want: [] },
    { name: 'an IPv6 CIDR beside an IPv4 one (dual-stack)', cidrs: ['10.0.0.0/8', 'fd00:20::/64'], want: ['10.0.0.5', 'fd00:20::1'] },
    { name: 'IPv6 loopback', cidrs: ['::1/128'], want: ['::1'] },
  ];
  for (const c of cases) await t.test(c.name, () => assert.deepEqual(nodePortIPs(c.cidrs, ['127.0.0.1'], ifaces), c.want));
  for (const bad of ['nope', '10.0.0.0/33', 'fd00::/129', '10.0.0.0']) {
    await t.test(`a bad CIDR is an error: ${bad}`, () => assert.throws(() => nodePortIPs([bad], [], ifaces), /invalid --nodeport-addresses CIDR/));
  }
});
