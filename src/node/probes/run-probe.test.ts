// The probe effects against real sockets and processes on loopback.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Container, Probe } from '../../apis/core/pod-template.js';
import { resolvePort, runProbe } from './run-probe.js';

const HOST = '127.247.240.2';

describe('runProbe', () => {
  let server: http.Server;
  let port: number;
  let closedPort: number;

  before(async () => {
    server = http.createServer((req, res) => {
      res.statusCode = req.url === '/healthz' ? 200 : req.url === '/redirect' ? 302 : 503;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, HOST, r));
    port = (server.address() as AddressInfo).port;
    const probeSock = net.createServer();
    await new Promise<void>((r) => probeSock.listen(0, HOST, r));
    closedPort = (probeSock.address() as AddressInfo).port;
    await new Promise((r) => probeSock.close(r));
  });
  after(() => new Promise((r) => server.close(r)));

  const container: Container = { name: 'c', ports: [{ name: 'http', containerPort: 0 }] };
  const target = { podIP: HOST, container, env: { PATH: process.env.PATH ?? '', GREETING: 'hi' } };
  const cases: { name: string; probe: () => Probe; ok: boolean; output?: RegExp }[] = [
    { name: 'http 200', probe: () => ({ httpGet: { path: '/healthz', port } }), ok: true },
    { name: 'http 3xx counts as success', probe: () => ({ httpGet: { path: '/redirect', port } }), ok: true },
    { name: 'http 503', probe: () => ({ httpGet: { path: '/', port } }), ok: false, output: /^HTTP probe failed with statuscode: 503$/ },
    {
      name: 'http refused',
      probe: () => ({ httpGet: { path: '/', port: closedPort } }),
      ok: false,
      output: /^Get "http:\/\/127\.247\.240\.2:\d+\/": dial tcp 127\.247\.240\.2:\d+: connect: connection refused$/,
    },
    { name: 'tcp open', probe: () => ({ tcpSocket: { port } }), ok: true },
    { name: 'tcp refused', probe: () => ({ tcpSocket: { port: closedPort } }), ok: false, output: /connection refused$/ },
    { name: 'exec exit 0 sees the container env', probe: () => ({ exec: { command: ['/bin/sh', '-c', 'test "$GREETING" = hi'] } }), ok: true },
    { name: 'exec exit 1 gives its output', probe: () => ({ exec: { command: ['/bin/sh', '-c', 'echo not yet; exit 1'] } }), ok: false, output: /^not yet$/ },
    { name: 'exec timeout', probe: () => ({ timeoutSeconds: 1, exec: { command: ['/bin/sh', '-c', 'exec sleep 5'] } }), ok: false, output: /timed out/ },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const got = await runProbe(c.probe(), target);
      assert.equal(got.ok, c.ok, got.output);
      if (c.output) assert.match(got.output, c.output);
    });
  }

  it('resolves named and numeric ports', () => {
    const c: Container = { ports: [{ name: 'web', containerPort: 8080 }] };
    assert.deepEqual([resolvePort('web', c), resolvePort(80, c), resolvePort('81', c), resolvePort('nope', c)], [8080, 80, 81, undefined]);
  });
});
