import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, test } from 'node:test';
import { FakeClock } from '../../../../test/support/fake-clock.js';
import { closeAll, udpAsk, udpBackend } from '../../../../test/proxy/servers.js';
import { Balancer } from './balancer.js';
import { listenUdp, type UdpProblems } from './udp-listener.js';

after(closeAll);

const noStats = { opened: () => undefined, closed: () => undefined, connectFailed: () => undefined, open: () => 0, traffic: () => [] };

/** Records what a listener reports. */
function recorder(): UdpProblems & { seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    flowLimitReached: (max) => seen.push(`full ${max}`),
    socketError: (where, err) => seen.push(`${where} ${err.code}`),
  };
}

test('UDP flows: one per client, forgotten after the idle timeout, gone with their endpoint', async () => {
  const clock = new FakeClock(0);
  await udpBackend('127.247.9.1', 5400, 'one');
  await udpBackend('127.247.9.2', 5400, 'two');
  const balancer = new Balancer(clock);
  const backends = [1, 2].map((i) => ({ key: `127.247.9.${i}:5400`, ip: `127.247.9.${i}`, port: 5400, weight: 1 }));
  balancer.configure({ backends, scheduler: 'rr', drainMs: 0 });
  const l = await listenUdp('127.98.9.1', 5400, () => ({ verdict: 'forward', balancer, stats: noStats }), { clock, connectTimeoutMs: 1000, udpIdleTimeoutMs: 10_000, udpMaxFlows: 100 }, recorder());
  const client = dgram.createSocket('udp4');
  try {
    assert.equal(await udpAsk('127.98.9.1', 5400, 'a', client), 'one:a');
    assert.equal(await udpAsk('127.98.9.1', 5400, 'b', client), 'one:b', 'same flow, same endpoint');
    assert.equal(balancer.activeConnections(backends[0].key), 1);
    await clock.advanceSettled(9_999);
    assert.equal(balancer.activeConnections(backends[0].key), 1, 'not idle yet');
    await clock.advanceSettled(1);
    assert.equal(balancer.activeConnections(backends[0].key), 0, 'idle flow forgotten');
    assert.equal(await udpAsk('127.98.9.1', 5400, 'c', client), 'two:c', 'a new flow is scheduled afresh');
    balancer.configure({ backends: [backends[0]], scheduler: 'rr', drainMs: 0 });
    assert.equal(balancer.activeConnections(backends[1].key), 0, 'flow to the removed endpoint closed at once');
    assert.equal(await udpAsk('127.98.9.1', 5400, 'd', client), 'one:d');
  } finally {
    client.close();
    await l.close();
  }
});

test('UDP flows are bounded: new clients are dropped while the table is full, reported once', async () => {
  const clock = new FakeClock(0);
  await udpBackend('127.247.9.3', 5401, 'b');
  const balancer = new Balancer(clock);
  balancer.configure({ backends: [{ key: '127.247.9.3:5401', ip: '127.247.9.3', port: 5401, weight: 1 }], scheduler: 'rr', drainMs: 0 });
  const problems = recorder();
  const l = await listenUdp('127.98.9.2', 5401, () => ({ verdict: 'forward', balancer, stats: noStats }), { clock, connectTimeoutMs: 1000, udpIdleTimeoutMs: 10_000, udpMaxFlows: 2 }, problems);
  const clients = [1, 2, 3].map(() => dgram.createSocket('udp4'));
  try {
    assert.equal(await udpAsk('127.98.9.2', 5401, '1', clients[0]), 'b:1');
    assert.equal(await udpAsk('127.98.9.2', 5401, '2', clients[1]), 'b:2');
    // Before: a third socket opened, and so on without limit.
    await assert.rejects(udpAsk('127.98.9.2', 5401, '3', clients[2], 300), /no answer/);
    await assert.rejects(udpAsk('127.98.9.2', 5401, '3', clients[2], 300), /no answer/);
    assert.deepEqual(problems.seen, ['full 2'], 'reported once while full');
    assert.equal(await udpAsk('127.98.9.2', 5401, '1', clients[0]), 'b:1', 'existing flows go on');
    await clock.advanceSettled(10_000);
    assert.equal(await udpAsk('127.98.9.2', 5401, '3', clients[2]), 'b:3', 'room again once flows ended');
  } finally {
    for (const c of clients) c.close();
    await l.close();
  }
});

test('UDP socket errors are reported, not swallowed', async () => {
  const clock = new FakeClock(0);
  const balancer = new Balancer(clock);
  // Nothing listens there: the endpoint answers with ICMP port unreachable.
  balancer.configure({ backends: [{ key: '127.247.9.4:5402', ip: '127.247.9.4', port: 5402, weight: 1 }], scheduler: 'rr', drainMs: 0 });
  const problems = recorder();
  const l = await listenUdp('127.98.9.3', 5402, () => ({ verdict: 'forward', balancer, stats: noStats }), { clock, connectTimeoutMs: 1000, udpIdleTimeoutMs: 10_000, udpMaxFlows: 2 }, problems);
  const client = dgram.createSocket('udp4');
  try {
    await assert.rejects(udpAsk('127.98.9.3', 5402, 'x', client, 300), /no answer/);
    assert.deepEqual(problems.seen, ['endpoint ECONNREFUSED']);
  } finally {
    client.close();
    await l.close();
  }
});

test('IPv6: a service address on ::1 forwards UDP to an IPv6 endpoint and replies from the VIP', async () => {
  const clock = new FakeClock(0);
  await udpBackend('::1', 5404, 'six');
  const balancer = new Balancer(clock);
  balancer.configure({ backends: [{ key: '[::1]:5404', ip: '::1', port: 5404, weight: 1 }], scheduler: 'rr', drainMs: 0 });
  const l = await listenUdp('::1', 5403, () => ({ verdict: 'forward', balancer, stats: noStats }), { clock, connectTimeoutMs: 1000, udpIdleTimeoutMs: 10_000, udpMaxFlows: 2 }, recorder());
  try {
    assert.equal(await udpAsk('::1', 5403, 'q'), 'six:q');
  } finally {
    await l.close();
  }
});
