import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { after, test } from 'node:test';
import { FakeClock } from '../../../../test/support/fake-clock.js';
import { closeAll, tcpServer } from '../../../../test/proxy/servers.js';
import { Balancer } from './balancer.js';
import type { Route } from './route.js';
import { listenTcp } from './tcp-listener.js';

after(closeAll);

const noStats = { opened: () => undefined, closed: () => undefined, connectFailed: () => undefined, open: () => 0, traffic: () => [] };
const deps = { clock: new FakeClock(0), connectTimeoutMs: 1000, udpIdleTimeoutMs: 1000, udpMaxFlows: 16 };

/** Sends `data`, half-closes, and returns everything read back until the proxy ends the stream. */
function roundTrip(ip: string, port: number, data: Buffer): Promise<{ body: Buffer } | { error: string }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = net.connect({ host: ip, port, allowHalfOpen: true }, () => s.end(data));
    s.on('data', (d) => chunks.push(d));
    s.on('end', () => (s.destroy(), resolve({ body: Buffer.concat(chunks) })));
    s.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
  });
}

test('TCP listener', async (t) => {
  // An echo server that answers only after the client's FIN: needs half-close end to end.
  await tcpServer('127.247.8.1', 5500, (s) => {
    const got: Buffer[] = [];
    s.on('data', (d) => got.push(d));
    s.on('end', () => s.end(Buffer.concat(got)));
  });
  const balancer = new Balancer(deps.clock);
  let route: Route = { verdict: 'forward', balancer, stats: noStats };
  const l = await listenTcp('127.98.8.1', 5500, () => route, deps);
  try {
    await t.test('8 MiB through, half-closed, intact (backpressure on both pipes)', async () => {
      balancer.configure({ backends: [{ key: '127.247.8.1:5500', ip: '127.247.8.1', port: 5500, weight: 1 }], scheduler: 'rr', drainMs: 0 });
      const data = randomBytes(8 << 20);
      const r = await roundTrip('127.98.8.1', 5500, data);
      assert.ok('body' in r, JSON.stringify(r));
      assert.equal(createHash('sha256').update(r.body).digest('hex'), createHash('sha256').update(data).digest('hex'));
      assert.equal(balancer.activeConnections('127.247.8.1:5500'), 0, 'released once both sides closed');
    });
    await t.test('a dead endpoint is skipped for a live one', async () => {
      balancer.configure({
        backends: [
          { key: '127.247.8.2:5500', ip: '127.247.8.2', port: 5500, weight: 1 },
          { key: '127.247.8.1:5500', ip: '127.247.8.1', port: 5500, weight: 1 },
        ],
        scheduler: 'rr',
        drainMs: 0,
      });
      for (let i = 0; i < 4; i++) assert.deepEqual(await roundTrip('127.98.8.1', 5500, Buffer.from('x')), { body: Buffer.from('x') });
    });
    await t.test('every endpoint dead: reset, no hang', async () => {
      balancer.configure({ backends: [{ key: '127.247.8.2:5500', ip: '127.247.8.2', port: 5500, weight: 1 }], scheduler: 'rr', drainMs: 0 });
      assert.deepEqual(await roundTrip('127.98.8.1', 5500, Buffer.from('x')), { error: 'ECONNRESET' });
    });
    await t.test('drop verdict: reset at once', async () => {
      route = { ...route, verdict: 'drop' };
      assert.deepEqual(await roundTrip('127.98.8.1', 5500, Buffer.from('x')), { error: 'ECONNRESET' });
    });
  } finally {
    await l.close();
  }
});

test('IPv6: a service address on ::1 forwards TCP to an IPv6 endpoint', async () => {
  await tcpServer('::1', 5501, (s) => s.end('six'));
  const balancer = new Balancer(deps.clock);
  balancer.configure({ backends: [{ key: '[::1]:5501', ip: '::1', port: 5501, weight: 1 }], scheduler: 'rr', drainMs: 0 });
  const l = await listenTcp('::1', 5502, () => ({ verdict: 'forward', balancer, stats: noStats }), deps);
  try {
    assert.deepEqual(await roundTrip('::1', 5502, Buffer.from('x')), { body: Buffer.from('six') });
  } finally {
    await l.close();
  }
});
