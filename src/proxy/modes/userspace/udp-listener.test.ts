import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, test } from 'node:test';
import { FakeClock } from '../../../util/clock.js';
import { closeAll, udpAsk, udpBackend } from '../../testing/servers.js';
import { Balancer } from './balancer.js';
import { listenUdp } from './udp-listener.js';

after(closeAll);

const noStats = { opened: () => undefined, closed: () => undefined, connectFailed: () => undefined, open: () => 0, traffic: () => [] };

test('UDP flows: one per client, forgotten after the idle timeout, gone with their endpoint', async () => {
  const clock = new FakeClock(0);
  await udpBackend('127.244.9.1', 5400, 'one');
  await udpBackend('127.244.9.2', 5400, 'two');
  const balancer = new Balancer(clock);
  const backends = [1, 2].map((i) => ({ key: `127.244.9.${i}:5400`, ip: `127.244.9.${i}`, port: 5400, weight: 1 }));
  balancer.configure({ backends, scheduler: 'rr', drainMs: 0 });
  const l = await listenUdp('127.96.9.1', 5400, () => ({ verdict: 'forward', balancer, stats: noStats }), { clock, connectTimeoutMs: 1000, udpIdleTimeoutMs: 10_000 });
  const client = dgram.createSocket('udp4');
  try {
    assert.equal(await udpAsk('127.96.9.1', 5400, 'a', client), 'one:a');
    assert.equal(await udpAsk('127.96.9.1', 5400, 'b', client), 'one:b', 'same flow, same endpoint');
    assert.equal(balancer.activeConnections(backends[0].key), 1);
    await clock.advanceSettled(9_999);
    assert.equal(balancer.activeConnections(backends[0].key), 1, 'not idle yet');
    await clock.advanceSettled(1);
    assert.equal(balancer.activeConnections(backends[0].key), 0, 'idle flow forgotten');
    assert.equal(await udpAsk('127.96.9.1', 5400, 'c', client), 'two:c', 'a new flow is scheduled afresh');
    balancer.configure({ backends: [backends[0]], scheduler: 'rr', drainMs: 0 });
    assert.equal(balancer.activeConnections(backends[1].key), 0, 'flow to the removed endpoint closed at once');
    assert.equal(await udpAsk('127.96.9.1', 5400, 'd', client), 'one:d');
  } finally {
    client.close();
    await l.close();
  }
});
