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
    await addAnyIPRoutes(net.nodeExec, [SERVICE_CIDR]);
    assert.match(await local(), /^local 10\.96\.0\.0\/12 dev lo /m);
    const get = await net.nodeExec.run(['ip', 'route', 'get', '10.96.7.7']);
    assert.match(get.stdout, /^local 10\.96\.7\.7 dev lo/);
    await removeAnyIPRoutes(net.nodeExec, [SERVICE_CIDR]);
    await removeAnyIPRoutes(net.nodeExec, [SERVICE_CIDR]);
    assert.doesNotMatch(await local(), /10\.96\.0\.0\/12/);
  });

  it("localIPs lists the Execer's namespace, not this process's", async () => {
    assert.deepEqual((await localIPs(net.nodeExec)).sort(), ['10.244.1.1', NODE_IP]);
    assert.ok((await localIPs()).includes('127.0.0.1'));
    assert.ok((await localIPs()).includes('::1'), 'both families');
  });
});
