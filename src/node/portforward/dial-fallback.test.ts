// The dial into a network namespace where python3 is missing (no netns socket helper): each
// connection is made by a Node.js socket broker started in the namespace for it. This process's
// PATH lacks python3 while the dials run; the server inside the namespace is bound by a helper
// run from python3's full path. Needs root, iproute2, nsenter and python3: fails under CI, skips
// outside it.

import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { requiresCommand, requiresNetns } from '../../../test/support/requires.js';
import { assertEchoed, assertRefused, echoDigest } from '../../../test/support/netns-echo.js';
import { NetnsSockets } from '../../network/netns/netns-sockets.js';
import { dialPod, type PortTarget } from './dial.js';

const NS = `tkt-${randomBytes(3).toString('hex')}-nopy`;
const needs = [requiresNetns(), requiresCommand(['python3', '-V'], 'apt-get install python3'), requiresCommand(['nsenter', '-V'], 'apt-get install util-linux')];
const skip = needs.map((n) => n.skip).find(Boolean) || false;
const run = promisify(execFile);
const which = (cmd: string): string => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim();
const target: PortTarget = { podName: 'web', podUID: 'uid-1', podIP: '127.0.0.1', netns: NS };
const BIG = randomBytes(8 << 20);

describe('dialPod into a network namespace without python3', { skip }, () => {
  let listeners: NetnsSockets;
  let bin = '';
  const path = process.env.PATH;

  before(async () => {
    for (const n of needs) n.check();
    listeners = new NetnsSockets(spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim());
    await run('ip', ['netns', 'add', NS]);
    await run('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
    // A PATH with nsenter (the broker's way in) and no python3.
    bin = mkdtempSync(join(tmpdir(), 'tinykube-nopy-'));
    symlinkSync(which('nsenter'), join(bin, 'nsenter'));
    process.env.PATH = bin;
    assert.equal(spawnSync('python3', ['-V']).error?.message.includes('ENOENT'), true, 'python3 is out of PATH');
  });

  after(async () => {
    process.env.PATH = path;
    await listeners?.close();
    spawnSync('ip', ['netns', 'del', NS]);
    if (bin) rmSync(bin, { recursive: true, force: true });
  });

  it('carries a large answer whole, both ways', async () => {
    const { server, port } = await echoDigest(listeners, NS, BIG);
    try {
      const conns = await Promise.all([1, 2].map(() => dialPod(target, port)));
      await Promise.all(conns.map((conn) => assertEchoed(conn, BIG)));
    } finally {
      server.close();
    }
  });

  it('a refused connect is ECONNREFUSED, in kubelet words', async () => {
    const port = 9;
    await assertRefused(target, port);
  });
});
