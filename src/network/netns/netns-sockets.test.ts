// The netns socket helper for real: a namespace this test makes, sockets bound inside it and
// served from this process (in the host's namespace), errors as Node's, a helper killed and
// started again. Needs root, iproute2 and python3: it fails under CI, skips outside it.

import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { requirement, requiresCommand, requiresNetns } from '../../../test/support/requires.js';
import { asUser, requiresRootless, rootlessUser } from '../../../test/support/rootless.js';
import { NETNS_RUN } from './names.js';
import { NetnsSockets } from './netns-sockets.js';

const NS = `tkt-${randomBytes(3).toString('hex')}-sockets`;
const PATH = `${NETNS_RUN}/${NS}`;
const needs = [requiresNetns(), requiresCommand(['python3', '-V'], 'apt-get install python3'), requiresCommand(['nft', '--version'], 'apt-get install nftables')];
const skip = needs.map((n) => n.skip).find(Boolean) || false;
const rootless = requiresRootless();
const run = promisify(execFile);
const inNs = (argv: string[]) => run('ip', ['netns', 'exec', NS, ...argv], { timeout: 5_000 });
const sockets = new NetnsSockets();

describe('NetnsSockets', { skip }, () => {
  before(async () => {
    for (const n of needs) n.check();
    await run('ip', ['netns', 'add', NS]);
    await run('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
  });

  after(async () => {
    await sockets.close();
    spawnSync('ip', ['netns', 'del', NS]);
  });

  it('binds a TCP listener inside the namespace that this process serves', async () => {
    const handed = await sockets.listen(PATH, '127.0.0.1', 0);
    const server = net.createServer((c) => c.end(`served by ${process.pid}\n`));
    await new Promise<void>((r) => server.listen(handed, r));
    const { port } = server.address() as net.AddressInfo;
    try {
      // nc: busybox's, as the pods' tools are.
      assert.equal((await inNs(['busybox', 'nc', '127.0.0.1', String(port)])).stdout, `served by ${process.pid}\n`);
      const listening = (await inNs(['ss', '-Hltn', `sport = :${port}`])).stdout;
      assert.match(listening, /LISTEN/);
      // Not in the host's namespace.
      await assert.rejects(new Promise((resolve, reject) => net.connect(port, '127.0.0.1').once('connect', resolve).once('error', reject)), /ECONNREFUSED/);
    } finally {
      server.close();
    }
  });

  it('binds UDP there too, and answers a taken port as Node would', async () => {
    const udp = await sockets.udp(PATH, '127.0.0.1', 0);
    const { port } = udp.address();
    try {
      assert.match((await inNs(['ss', '-Hlun', `sport = :${port}`])).stdout, new RegExp(`127\\.0\\.0\\.1:${port}`));
      await assert.rejects(sockets.udp(PATH, '127.0.0.1', port), (e: NodeJS.ErrnoException) => {
        assert.equal(e.code, 'EADDRINUSE');
        assert.equal(e.message, `bind EADDRINUSE: address already in use 127.0.0.1:${port}`);
        return true;
      });
      await assert.rejects(sockets.listen(`${NETNS_RUN}/${NS}-none`, '127.0.0.1', 80), { code: 'ENOENT' });
    } finally {
      udp.close();
    }
  });

  it('connects inside the namespace; a connect that gets no answer times out as ETIMEDOUT', async () => {
    const server = net.createServer((c) => c.end('inside\n'));
    await new Promise<void>(async (r) => server.listen(await sockets.listen(PATH, '127.0.0.1', 0), r));
    const { port } = server.address() as net.AddressInfo;
    try {
      const conn = await sockets.connect(PATH, '127.0.0.1', port, 5_000);
      assert.equal(conn.remotePort, port);
      assert.equal((await conn.toArray()).join(''), 'inside\n');
      // SYNs to port 9 dropped in the namespace (its own nft table, gone with it).
      await run('ip', ['netns', 'exec', NS, 'nft', 'add table ip t; add chain ip t out { type filter hook output priority 0; }; add rule ip t out tcp dport 9 drop']);
      const started = Date.now();
      await assert.rejects(sockets.connect(PATH, '127.0.0.1', 9, 300), { code: 'ETIMEDOUT', syscall: 'connect', message: 'connect ETIMEDOUT 127.0.0.1:9' });
      assert.ok(Date.now() - started >= 290);
    } finally {
      server.close();
    }
  });

  it('starts a new helper when its helper died', async () => {
    // The helper: this process's python3 child.
    const pid = () => Number(spawnSync('pgrep', ['-P', String(process.pid), '-x', 'python3'], { encoding: 'utf8' }).stdout.trim());
    const first = pid();
    assert.ok(first > 0);
    assert.equal(await sockets.ready(), true);
    process.kill(first, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
    const handed = await sockets.listen(PATH, '127.0.0.1', 0);
    assert.notEqual(pid(), first);
    handed.close();
  });
});

// The rootless up: a process in a user namespace that stays in the host's network namespace,
// which it may not setns() into again. Its helper (python3 run as the test user in a user
// namespace of its own, with a namespace t1 made there) must still serve requests after the first.
describe('NetnsSockets in a user namespace that cannot re-enter its network namespace', { skip: rootless.skip || skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tinykube-netns-sockets-'));
  const python = join(dir, 'python3-in-userns');
  let inside: NetnsSockets;

  before(() => {
    rootless.check();
    for (const n of needs) n.check();
    chmodSync(dir, 0o755);
    const setup = "mount -t tmpfs none /run && mkdir /run/netns && unshare --net -- ip netns add t1 && ip -n t1 link set lo up && exec python3 \"$@\"";
    writeFileSync(python, `#!/bin/sh\nexec ${asUser(rootlessUser!, ['unshare', '--user', '--map-root-user', '--mount', '--propagation', 'private', '--', 'sh', '-c', `'${setup}'`, 'sh']).join(' ')} "$@"\n`, { mode: 0o755 });
    inside = new NetnsSockets(python);
  });

  after(async () => {
    await inside?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens and connects there, request after request', async () => {
    for (let i = 0; i < 2; i++) {
      const server = net.createServer((c) => c.end(`answer ${i}\n`));
      await new Promise<void>(async (r) => server.listen(await inside.listen('/run/netns/t1', '127.0.0.1', 0), r));
      try {
        const conn = await inside.connect('/run/netns/t1', '127.0.0.1', (server.address() as net.AddressInfo).port, 5_000);
        assert.equal((await conn.toArray()).join(''), `answer ${i}\n`);
      } finally {
        server.close();
      }
    }
  });
});

// Without python3 the helper's failure is an error for the request, not a crash.
describe('NetnsSockets without python', { skip: requirement(undefined).skip }, () => {
  it('rejects with the reason, and is not ready', async () => {
    assert.equal(await new NetnsSockets('/nonexistent/python3').ready(), false);
    await assert.rejects(new NetnsSockets('/nonexistent/python3').listen('/run/netns/x', '127.0.0.1', 80), /the netns socket helper \(\/nonexistent\/python3\) could not start: spawn \/nonexistent\/python3 ENOENT/);
  });
});
