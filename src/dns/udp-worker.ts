// A UDP worker process (udp-workers.ts forks them): it reads the DNS port's UDP socket, shared
// with its siblings through the cluster module, and answers repeated questions from its own
// copy of the primary's wire-ready replies. A miss goes to the primary, which holds the one
// cluster view, computes the reply and says whether and how long to keep it; the primary also
// says which replies to drop when the cluster changes. Hits are counted here and reported to
// the primary's metrics every second.

import type dgram from 'node:dgram';
import type { Served } from './handler.js';
import { ReplyCache, REPLY_CACHE_SIZE } from './reply-cache.js';
import { DnsUdpSocket, setSocketBuffers } from './udp-socket.js';
import type { FromWorker, ToWorker } from './udp-workers.js';

/** Questions sent to the primary and not yet answered; beyond this, new misses are dropped. */
const MAX_PENDING = 4096;

const address = process.env.TINYKUBE_DNS_ADDRESS!;
const port = Number(process.env.TINYKUBE_DNS_PORT);
const send = (m: FromWorker): void => void process.send!(m);

const replies = new ReplyCache<Served>(REPLY_CACHE_SIZE);
const pending = new Map<number, dgram.RemoteInfo>();
const served = new Set<Served>();
let nextId = 0;

const sender = new DnsUdpSocket(address);
const socket = sender.socket;
socket.on('message', (msg, from) => {
  const hit = replies.lookup(msg, 'udp');
  if (hit !== undefined) {
    sender.sendStored(hit.bytes, msg, from.port, from.address);
    if (hit.label.n++ === 0) served.add(hit.label);
    return;
  }
  if (pending.size >= MAX_PENDING) return send({ t: 'overload' });
  const id = nextId++ & 0x7fffffff;
  pending.set(id, from);
  send({ t: 'query', id, msg });
});
socket.on('error', (err) => send({ t: 'error', message: err.message }));

process.on('message', (m: ToWorker) => {
  if (m.t === 'drop') {
    if (m.keys[0] === '*') replies.clear();
    else for (const key of m.keys) replies.delete(key);
    return;
  }
  const from = pending.get(m.id);
  pending.delete(m.id);
  if (!m.bytes) return;
  const bytes = Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.length);
  if (from) socket.send(bytes, from.port, from.address);
  if (m.stored) replies.set(m.stored.key, { bytes, expires: m.stored.expires, deps: [], label: { label: m.label!, n: 0 } });
});

setInterval(() => {
  if (served.size === 0) return;
  send({ t: 'served', counts: [...served].map((c) => [c.label, c.n]) });
  for (const c of served) c.n = 0;
  served.clear();
}, 1000).unref();

// To stop us the primary disconnects the IPC channel: cluster then closes the socket, and
// with nothing left to do the process exits.
socket.bind(port, address, () => (setSocketBuffers(socket), send({ t: 'listening' })));
