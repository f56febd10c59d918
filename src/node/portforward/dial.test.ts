// The dial into a network namespace for real (port-forward, nodes/proxy on a netns node): a
// namespace this test makes, a server listening inside it (on a socket the netns helper bound
// there, served by this process), and connections made there by the helper. Needs root,
// iproute2 and python3: it fails under CI, skips outside it.

import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { requiresCommand, requiresNetns } from '../../../test/support/requires.js';
import { assertEchoed, assertRefused, echoDigest, serveInNs } from '../../../test/support/netns-echo.js';
import { NetnsSockets } from '../../network/netns/netns-sockets.js';
import { dialPod, type PortTarget } from './dial.js';

const NS = `tkt-${randomBytes(3).toString('hex')}-dial`;
const needs = [requiresNetns(), requiresCommand(['python3', '-V'], 'apt-get install python3')];
const skip = needs.map((n) => n.skip).find(Boolean) || false;
const run = promisify(execFile);
const listeners = new NetnsSockets();
const target: PortTarget = { podName: 'web', podUID: 'uid-1', podIP: '127.0.0.1', netns: NS };
const BIG = randomBytes(8 << 20);

const serve = (onConn: (c: net.Socket) => void) => serveInNs(listeners, NS, onConn);

describe('dialPod into a network namespace', { skip }, () => {
  before(async () => {
    for (const n of needs) n.check();
    await run('ip', ['netns', 'add', NS]);
    await run('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
  });

  after(async () => {
    await listeners.close();
    spawnSync('ip', ['netns', 'del', NS]);
  });

  it('carries a large answer whole, both ways, and the server ending closes the client', async () => {
    // An echo that answers 8 MiB after the request's end: the request's end reaches the server.
    const { server, port } = await echoDigest(listeners, NS, BIG);
    try {
      const conns = await Promise.all([1, 2, 3].map(() => dialPod(target, port)));
      await Promise.all(conns.map((conn) => assertEchoed(conn, BIG)));
    } finally {
      server.close();
    }
  });

  it('a client that goes away ends the server side', async () => {
    let serverSide: net.Socket | undefined;
    const { server, port } = await serve((c) => {
      serverSide = c.on('error', () => {}).resume();
    });
    try {
      const conn = await dialPod(target, port);
      conn.write('hello');
      while (!serverSide) await new Promise((r) => setTimeout(r, 10));
      const ended = once(serverSide, 'end');
      conn.destroy();
      await ended;
    } finally {
      serverSide?.destroy();
      server.close();
    }
  });

  it('a refused connect is ECONNREFUSED, in kubelet words', async () => {
    // Nothing listens in the namespace but this file's servers, on ports the kernel picked.
    const port = 9;
    await assertRefused(target, port);
    // A namespace that is not there.
    await assert.rejects(dialPod({ ...target, netns: `${NS}-none` }, port), { code: 'ENOENT' });
  });
});
