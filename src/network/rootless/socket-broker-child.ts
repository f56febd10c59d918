// The socket broker's child: started inside a network namespace (nsenter --net=…), it opens the
// sockets its parent asks for there — an outbound connection, a listening TCP server, a bound
// UDP socket — and hands each over the IPC channel. The parent, in the host's network namespace,
// then uses them directly: a socket belongs to the namespace it was made in, whoever holds it.

import dgram from 'node:dgram';
import net from 'node:net';
import type { BrokerReply, BrokerRequest } from './socket-broker.js';

const reply = (r: BrokerReply, handle?: net.Socket | net.Server | dgram.Socket): Promise<void> =>
  new Promise((resolve) => process.send!(r, handle as net.Socket | undefined, {}, () => resolve()));

const failure = (id: number, e: NodeJS.ErrnoException): BrokerReply => ({ id, error: e.message, code: e.code ?? 'EIO' });

async function serve(req: BrokerRequest): Promise<void> {
  const { id, host, port } = req;
  if (req.op === 'connect') {
    const sock = net.connect({ host, port, allowHalfOpen: true });
    sock.setTimeout(req.timeoutMs ?? 3_000, () => sock.destroy(Object.assign(new Error(`dial tcp ${host}:${port}: i/o timeout`), { code: 'ETIMEDOUT' })));
    sock.once('error', (e) => void reply(failure(id, e)));
    sock.once('connect', () => {
      sock.setTimeout(0);
      sock.removeAllListeners('error');
      // Handed over: this copy closes once sent (keepOpen false), the parent's stays.
      void reply({ id }, sock);
    });
  } else if (req.op === 'listen') {
    const server = net.createServer();
    server.once('error', (e) => void reply(failure(id, e)));
    server.listen({ host, port, exclusive: true }, () => void reply({ id, port: (server.address() as net.AddressInfo).port }, server).then(() => server.close()));
  } else {
    const sock = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    sock.once('error', (e) => void reply(failure(id, e)));
    sock.bind({ address: host, port, exclusive: true }, () => void reply({ id, port: sock.address().port }, sock).then(() => sock.close()));
  }
}

process.on('message', (req: BrokerRequest) => void serve(req));
// The parent gone (its channel closed): nothing left to serve.
process.on('disconnect', () => process.exit(0));
