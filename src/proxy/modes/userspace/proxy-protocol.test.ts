import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proxyHeader } from './proxy-protocol.js';

test('PROXY protocol headers', async (t) => {
  const v4 = { srcIP: '127.0.0.1', srcPort: 51000, dstIP: '127.96.0.10', dstPort: 80 };
  const cases = [
    { name: 'v1 TCP4', version: 'v1' as const, addrs: v4, hex: Buffer.from('PROXY TCP4 127.0.0.1 127.96.0.10 51000 80\r\n').toString('hex') },
    {
      name: 'v2 TCP4',
      version: 'v2' as const,
      addrs: v4,
      hex: '0d0a0d0a000d0a515549540a' + '21' + '11' + '000c' + '7f000001' + '7f60000a' + 'c738' + '0050',
    },
    {
      name: 'v2 TCP6',
      version: 'v2' as const,
      addrs: { srcIP: '::1', srcPort: 1, dstIP: 'fd00::a', dstPort: 2 },
      hex: '0d0a0d0a000d0a515549540a' + '21' + '21' + '0024' + '0'.repeat(31) + '1' + 'fd00' + '0'.repeat(24) + '000a' + '0001' + '0002',
    },
  ];
  for (const c of cases) await t.test(c.name, () => assert.equal(proxyHeader(c.version, c.addrs).toString('hex'), c.hex));
});
