// AnyIP routes and the address listing, in a namespace of our own (root).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addAnyIPRoutes, localIPs, removeAnyIPRoutes } from './host-network.js';
import { NODE_IP, requireRootAndTools, SERVICE_CIDR, TestNode } from '../../test/proxy/netns-node.js';

describe('host-network in a node namespace', () => {
  let net: TestNode;
  before(() => {
    requireRootAndTools(['ip']);
    net = new TestNode().create();
  });
  after(() => net?.destroy());

  it('AnyIP: the service CIDR becomes local (twice is fine), then is removed', async () => {
    const local = async (): Promise<string> => (await net.nodeExec.run(['ip', 'route', 'show', 'table', 'local'])).stdout;
    await addAnyIPRoutes(net.nodeExec, [SERVICE_CIDR]);
    const added = await addAnyIPRoutes(net.nodeExec, [SERVICE_CIDR]);
    assert.match(await local(), /^local 10\.96\.0\.0\/12 dev lo /m);
    const get = await net.nodeExec.run(['ip', 'route', 'get', '10.96.7.7']);
    assert.match(get.stdout, /^local 10\.96\.7\.7 dev lo/);
    await removeAnyIPRoutes(net.nodeExec, added);
    await removeAnyIPRoutes(net.nodeExec, added);
    assert.doesNotMatch(await local(), /10\.96\.0\.0\/12/);
  });

  it('AnyIP for IPv6: an address of the CIDR can be bound and answers while the route is there; the sysctl goes back', async () => {
    // A node of its own: lo goes up here, which the address listing below must not see.
    const own = new TestNode().create();
    try {
      const nonlocal = async (): Promise<string> => (await own.nodeExec.run(['cat', '/proc/sys/net/ipv6/ip_nonlocal_bind'])).stdout.trim();
      const up = await own.nodeExec.run(['ip', 'link', 'set', 'lo', 'up']);
      assert.equal(up.code, 0, up.stderr);
      // A server on a VIP no interface holds, and a client to it, inside the node namespace.
      const bindAndAsk = `const net = require('net'); net.createServer((c) => c.end('six')).listen(80, 'fd00:10:96::5', () => net.connect(80, 'fd00:10:96::5').on('data', (d) => (console.log(String(d)), process.exit(0)))).on('error', (e) => (console.log(e.code), process.exit(0)));`;
      const ask = async (): Promise<string> => (await own.nodeExec.run([process.execPath, '-e', bindAndAsk])).stdout.trim();
      assert.equal(await ask(), 'EADDRNOTAVAIL', 'nothing to bind before');
      const added = await addAnyIPRoutes(own.nodeExec, ['fd00:10:96::/112']);
      assert.equal(await nonlocal(), '1');
      assert.equal(await ask(), 'six');
      await removeAnyIPRoutes(own.nodeExec, added);
      assert.equal(await nonlocal(), '0');
      assert.equal(await ask(), 'EADDRNOTAVAIL');
    } finally {
      own.destroy();
    }
  });

  it("localIPs lists the Execer's namespace, not this process's", async () => {
    assert.deepEqual((await localIPs(net.nodeExec)).sort(), ['10.244.1.1', NODE_IP]);
    assert.ok((await localIPs()).includes('127.0.0.1'));
    assert.ok((await localIPs()).includes('::1'), 'both families');
  });
});
