// Servers inside a network namespace a test made (on sockets a netns socket helper bound there,
// served by the test's process), and what the dial tests check their answers and refusals with.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { NETNS_RUN } from '../../src/network/netns/names.js';
import type { NetnsSockets } from '../../src/network/netns/netns-sockets.js';
import { dialFailure, dialPod, type PortTarget } from '../../src/node/portforward/dial.js';

export const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** A server in the namespace `ns`: `onConn` gets each connection; resolves with its port. */
export async function serveInNs(helper: NetnsSockets, ns: string, onConn: (c: net.Socket) => void): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer({ allowHalfOpen: true }, onConn);
  const socket = await helper.listen(`${NETNS_RUN}/${ns}`, '127.0.0.1', 0);
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return { server, port: (server.address() as net.AddressInfo).port };
}

/** Everything read up to the peer's end (the socket stays open for writing). */
export async function readAll(c: net.Socket): Promise<Buffer> {
  const parts: Buffer[] = [];
  c.on('data', (d: Buffer) => parts.push(d));
  await once(c, 'end');
  return Buffer.concat(parts);
}

/** A server that reads the whole request, then answers `${length} ${sha256}\n` and `answer`. */
export function echoDigest(helper: NetnsSockets, ns: string, answer: Buffer): Promise<{ server: net.Server; port: number }> {
  return serveInNs(helper, ns, (c) => {
    void readAll(c).then((req) => c.end(Buffer.concat([Buffer.from(`${req.length} ${sha(req)}\n`), answer])));
  });
}

/** Sends 2 MiB and ends; checks echoDigest's answer arrives whole and the connection closes. */
export async function assertEchoed(conn: net.Socket, answer: Buffer): Promise<void> {
  const request = randomBytes(2 << 20);
  const reply = readAll(conn);
  conn.end(request);
  const got = await reply;
  const nl = got.indexOf('\n');
  assert.equal(got.subarray(0, nl).toString(), `${request.length} ${sha(request)}`);
  assert.equal(got.length - nl - 1, answer.length);
  assert.equal(sha(got.subarray(nl + 1)), sha(answer));
  if (!conn.closed) await once(conn, 'close');
}

/** A dial to `port` of the pod 'web' (uid-1) at 127.0.0.1, where nothing listens, is refused in
 *  kubelet's words. */
export async function assertRefused(target: PortTarget, port: number): Promise<void> {
  await assert.rejects(dialPod(target, port), (e: NodeJS.ErrnoException) => {
    assert.equal(e.code, 'ECONNREFUSED');
    assert.equal(dialFailure(target, port, e), `error forwarding port ${port} to pod web, uid uid-1: failed to connect to 127.0.0.1:${port} inside the pod's network: dial tcp4 127.0.0.1:${port}: connect: connection refused`);
    return true;
  });
}
