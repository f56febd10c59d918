import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inPools, parsePool, poolAddresses } from './pools.js';

describe('parsePool', () => {
  const cases: { name: string; text: string; want?: string[]; error?: RegExp }[] = [
    { name: 'a CIDR: without its network and broadcast addresses', text: '127.240.0.0/29', want: ['127.240.0.1', '127.240.0.2', '127.240.0.3', '127.240.0.4', '127.240.0.5', '127.240.0.6'] },
    { name: 'a /31: both addresses', text: '127.240.0.6/31', want: ['127.240.0.6', '127.240.0.7'] },
    { name: 'a /32', text: '127.240.0.7/32', want: ['127.240.0.7'] },
    { name: 'a range, inclusive, spaces allowed', text: '127.240.1.10 - 127.240.1.12', want: ['127.240.1.10', '127.240.1.11', '127.240.1.12'] },
    { name: 'a backwards range', text: '127.240.1.12-127.240.1.10', error: /neither a CIDR nor a range/ },
    { name: 'not an address', text: 'pool-a', error: /--lb-pool: "pool-a"/ },
    { name: 'an IPv6 CIDR, whole', text: 'fd00:240::/126', want: ['fd00:240::', 'fd00:240::1', 'fd00:240::2', 'fd00:240::3'] },
    { name: 'an IPv6 range', text: 'fd00:240::fe-fd00:240::101', want: ['fd00:240::fe', 'fd00:240::ff', 'fd00:240::100', 'fd00:240::101'] },
    { name: 'a range across families', text: '127.240.1.1-fd00::1', error: /neither/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      if (c.error) return assert.throws(() => parsePool(c.text), c.error);
      assert.deepEqual([...poolAddresses([parsePool(c.text)])], c.want);
    });
  }

  it('inPools checks every pool', () => {
    const pools = ['127.240.0.0/31', '127.240.5.5-127.240.5.6', 'fd00:240::/120'].map(parsePool);
    assert.equal(inPools([parsePool('127.240.0.0/24')], '127.240.0.0'), false);
    assert.deepEqual(
      ['127.240.0.1', '127.240.0.2', '127.240.5.6', 'fd00:240::ff', 'fd00:240::100', '::ffff:127.240.0.1', 'nonsense'].map((ip) => inPools(pools, ip)),
      [true, false, true, true, false, false, false],
    );
  });
});
