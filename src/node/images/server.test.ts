// The built-in servers as the agent runs them: the argv from resolveContainer, the pod's
// variables in the environment, a pod IP of their own in 127.247.0.0/16.

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container } from '../../apis/core/pod-template.js';
import { resolveContainer } from './resolve.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tinykube-images-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

let nextHost = 1 + Math.floor(Math.random() * 200);
/** A pod IP no other test of this file uses. */
const podIP = (): string => `127.247.${250 - (process.pid % 5)}.${nextHost++}`;

function freePort(host: string, kind: 'tcp' | 'udp'): Promise<number> {
  return new Promise((resolve, reject) => {
    if (kind === 'udp') {
      const s = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
      s.bind(0, host, () => {
        const { port } = s.address();
        s.close(() => resolve(port));
      });
      return;
    }
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

interface Running {
  ip: string;
  proc: ChildProcess;
  /** Resolves once the container's output matches (its log arrives apart from the answers). */
  logged(re: RegExp): Promise<void>;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Starts the container's process and waits for `ready` lines (one per listener) on stdout. */
async function start(c: Container, ready: number, moreIPs: string[] = []): Promise<Running> {
  const ip = podIP();
  const pod = { metadata: { name: 'pod-a', namespace: 'demo', uid: 'u' } };
  const r = resolveContainer(pod, { name: 'c', ...c }, { podIPs: [ip, ...moreIPs], dataDir });
  const proc = spawn(r.argv[0], r.argv.slice(1), {
    env: { ...process.env, POD_NAME: 'pod-a', POD_NAMESPACE: 'demo', POD_IP: ip },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));
  await new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if ((out.match(/listening on/g) ?? []).length >= ready) resolve();
    };
    proc.stdout!.on('data', check);
    void exited.then((code) => reject(new Error(`server exited with ${code}:\n${out}`)));
  });
  return {
    ip,
    proc,
    logged: (re) =>
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (!re.test(out)) return;
          proc.stdout!.off('data', check);
          resolve();
        };
        proc.stdout!.on('data', check);
        check();
      }),
    exited,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

function udp(host: string, port: number, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    s.once('message', (m) => s.close(() => resolve(m.toString())));
    s.once('error', reject);
    s.send(message, port, host);
  });
}

function tcpRead(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    net.connect(port, host).on('data', (d) => (data += d)).on('end', () => resolve(data)).on('error', reject);
  });
}

describe('built-in servers', { timeout: 30_000 }, () => {
  const cases: { name: string; image: string; body: (port: number) => [string, number, RegExp | string][] }[] = [
    {
      name: 'myapp v2',
      image: 'ikubernetes/myapp:v2',
      body: () => [
        ['/', 200, 'Hello MyApp | Version: v2 | <a href="hostname.html">Pod Name</a>\n'],
        ['/hostname.html', 200, 'pod-a\n'],
      ],
    },
    { name: 'myapp v1 (wangyanglinux)', image: 'wangyanglinux/myapp:v1', body: () => [['/', 200, /Version: v1 /]] },
    { name: 'nginx', image: 'nginx:1.27', body: () => [['/', 200, /<title>Welcome to nginx!<\/title>/], ['/missing', 404, /404 Not Found/]] },
    { name: 'tomcat-app', image: 'kubeguide/tomcat-app:v1', body: () => [['/', 200, /Tomcat/]] },
  ];
  for (const c of cases) {
    it(`${c.name}: answers on its declared port and logs each request`, async () => {
      const ip = podIP();
      const port = await freePort(ip, 'tcp');
      nextHost--; // start() takes the same address again
      const s = await start({ image: c.image, ports: [{ containerPort: port }] }, 1);
      try {
        assert.equal(s.ip, ip);
        for (const [path, status, body] of c.body(port)) {
          const r = await get(`http://${ip}:${port}${path}`);
          assert.equal(r.status, status, path);
          if (typeof body === 'string') assert.equal(r.body, body);
          else assert.match(r.body, body);
          await s.logged(new RegExp(`"GET ${path} HTTP/1.1" ${status} `));
        }
      } finally {
        await s.stop();
      }
    });
  }

  it('agnhost netexec: HTTP endpoints, UDP commands, request log, /exit', async () => {
    const ip = podIP();
    const [httpPort, udpPort] = [await freePort(ip, 'tcp'), await freePort(ip, 'udp')];
    nextHost--;
    const s = await start(
      { image: 'registry.k8s.io/e2e-test-images/agnhost:2.53', command: ['/agnhost', 'netexec', `--http-port=${httpPort}`, `--udp-port=${udpPort}`] },
      2,
    );
    try {
      const base = `http://${ip}:${httpPort}`;
      assert.deepEqual(await get(`${base}/hostname`), { status: 200, body: 'pod-a' });
      assert.match((await get(`${base}/clientip`)).body, /^127\.\d+\.\d+\.\d+:\d+$/);
      assert.deepEqual(await get(`${base}/echo?msg=hello%20there`), { status: 200, body: 'hello there' });
      assert.equal((await get(`${base}/echo?msg=x&code=503`)).status, 503);
      assert.equal((await get(`${base}/healthz`)).status, 200);
      assert.deepEqual(JSON.parse((await get(`${base}/shell?cmd=echo%20$POD_NAME`)).body), { output: 'pod-a\n' });
      assert.deepEqual(JSON.parse((await get(`${base}/shell?cmd=exit%203`)).body), { error: 'exit status 3' });
      assert.deepEqual(JSON.parse((await get(`${base}/dial?request=hostname&protocol=udp&host=${ip}&port=${udpPort}&tries=2`)).body), { responses: ['pod-a', 'pod-a'] });
      assert.match((await get(`${base}/`)).body, /^NOW: /);
      assert.equal(await udp(ip, udpPort, 'hostname'), 'pod-a');
      assert.equal(await udp(ip, udpPort, 'echo hi there\n'), 'hi there');
      assert.match(await udp(ip, udpPort, 'clientip'), /^127\.\d+\.\d+\.\d+:\d+$/);
      await s.logged(/"GET \/hostname HTTP\/1.1" 200 5 /);
      await s.logged(/UDP request from 127\.\d+\.\d+\.\d+:\d+: "hostname"/);
      await get(`${base}/exit?code=4`);
      assert.equal(await s.exited, 4);
    } finally {
      await s.stop();
    }
  });

  it("a dual-stack pod's server answers on its address in each family (here ::1, the IPv6 address loopback can bind)", async () => {
    const ip = podIP();
    const [httpPort, udpPort] = [await freePort('::1', 'tcp'), await freePort('::1', 'udp')];
    nextHost--;
    const s = await start({ image: 'registry.k8s.io/e2e-test-images/agnhost:2.53', args: ['netexec', `--http-port=${httpPort}`, `--udp-port=${udpPort}`] }, 2, ['::1']);
    try {
      for (const host of [ip, '[::1]']) assert.deepEqual(await get(`http://${host}:${httpPort}/hostname`), { status: 200, body: 'pod-a' });
      assert.match((await get(`http://[::1]:${httpPort}/clientip`)).body, /^\[?::1\]?:\d+$/);
      for (const host of [ip, '::1']) assert.equal(await udp(host, udpPort, 'hostname'), 'pod-a');
    } finally {
      await s.stop();
    }
  });

  it('agnhost serve-hostname over HTTP', async () => {
    const ip = podIP();
    const port = await freePort(ip, 'tcp');
    nextHost--;
    const s = await start({ image: 'registry.k8s.io/e2e-test-images/agnhost:2.53', args: ['serve-hostname', '--port', String(port)] }, 1);
    try {
      assert.deepEqual(await get(`http://${ip}:${port}/anything`), { status: 200, body: 'pod-a' });
      await s.logged(/"GET \/anything HTTP\/1.1" 200 5 /);
    } finally {
      await s.stop();
    }
  });

  it('agnhost serve-hostname over raw TCP and UDP', async () => {
    const ip = podIP();
    const port = await freePort(ip, 'tcp');
    nextHost--;
    const s = await start({ image: 'registry.k8s.io/e2e-test-images/agnhost:2.53', args: ['serve-hostname', '--tcp', '--udp', '--http=false', `--port=${port}`] }, 2);
    try {
      assert.equal(await tcpRead(ip, port), 'pod-a');
      assert.equal(await udp(ip, port, 'x'), 'pod-a');
      await s.logged(/TCP request from 127\./);
      await s.logged(/UDP request from 127\./);
    } finally {
      await s.stop();
    }
  });

  it('a declared port that is taken ends the container with an error', async () => {
    const ip = podIP();
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, ip, r));
    const port = (blocker.address() as net.AddressInfo).port;
    nextHost--;
    try {
      await assert.rejects(start({ image: 'nginx', ports: [{ containerPort: port }] }, 2), /exited with 1:[\s\S]*cannot listen on .*EADDRINUSE/);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });
});
