// Forwarding names outside the cluster zone to upstream resolvers (CoreDNS `forward` and
// `cache`, as ideas): UDP first, TCP when the reply is truncated, the next upstream when one
// times out; answers cached for their TTL (negative ones for the SOA minimum), at most 30 s as
// kubeadm's `cache 30`; concurrent identical questions share one upstream query; at most
// maxInFlight queries outstanding.
//
// Against spoofed replies (RFC 5452): each query leaves from its own socket on a port the
// kernel picks at random, with a random ID, and only a reply from the server's address and
// port, with that ID and question, is taken; anything else arriving on the socket is ignored.

import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import dnsPacket, { type Answer, type DecodedPacket } from 'dns-packet';
import type { Question, Rcode, Reply } from './records.js';
import { TtlCache } from './ttl-cache.js';

/** kubeadm's Corefile has `cache 30`: success and denial both capped at 30 s. */
export const MAX_CACHE_TTL = 30;

export interface UpstreamOptions {
  /** `1.2.3.4`, `1.2.3.4:5353`, `::1` or `[::1]:53`. */
  servers: string[];
  timeoutMs?: number;
  cacheSize?: number;
  maxInFlight?: number;
  now?: () => number;
}

export interface Forwarded extends Reply {
  cached: boolean;
}

interface Server {
  host: string;
  port: number;
  family: 4 | 6;
}

export function parseServer(s: string): Server {
  const bracketed = /^\[(.+)\](?::(\d+))?$/.exec(s);
  if (bracketed) return { host: bracketed[1], port: Number(bracketed[2] ?? 53), family: 6 };
  if (net.isIPv6(s)) return { host: s, port: 53, family: 6 };
  const [host, port] = s.split(':');
  if (!net.isIPv4(host)) throw new Error(`DNS upstream ${s} is not an IP address (with an optional port)`);
  return { host, port: Number(port ?? 53), family: 4 };
}

export class Upstream {
  private readonly servers: Server[];
  private readonly cache: TtlCache<Reply>;
  private readonly inFlight = new Map<string, Promise<Forwarded>>();
  /** Sockets of UDP queries awaiting their reply. */
  private readonly sockets = new Set<dgram.Socket>();
  private readonly timeoutMs: number;
  private readonly maxInFlight: number;

  constructor(o: UpstreamOptions) {
    this.servers = o.servers.map(parseServer);
    this.cache = new TtlCache(o.cacheSize ?? 10_000, o.now);
    this.timeoutMs = o.timeoutMs ?? 2000;
    this.maxInFlight = o.maxInFlight ?? 1000;
  }

  /** The upstream reply for a question, from the cache when fresh (TTLs aged). */
  resolve(q: Question): Promise<Forwarded> {
    const key = `${q.name.toLowerCase()}|${q.type}`;
    const hit = this.cache.get(key);
    if (hit) return Promise.resolve({ ...withTTLs(hit.value, (ttl) => Math.max(0, ttl - hit.ageSeconds)), cached: true });
    const shared = this.inFlight.get(key);
    if (shared) return shared;
    if (this.sockets.size >= this.maxInFlight) return Promise.resolve({ ...empty('REFUSED'), cached: false });
    const p = this.query(q).then((answered) => {
      // Capped in the reply too, so a client never holds a record longer than we would.
      const reply = withTTLs(answered, (ttl) => Math.min(ttl, MAX_CACHE_TTL));
      this.cache.set(key, reply, cacheTTL(reply));
      return { ...reply, cached: false };
    });
    this.inFlight.set(key, p);
    void p.finally(() => this.inFlight.delete(key));
    return p;
  }

  close(): void {
    for (const s of this.sockets) s.close();
    this.sockets.clear();
    this.cache.clear();
  }

  private async query(q: Question): Promise<Reply> {
    for (const server of this.servers) {
      try {
        let msg = await this.udp(server, q);
        if (msg.flag_tc) msg = await this.tcp(server, q);
        return toReply(msg);
      } catch {
        // timed out or refused: try the next upstream
      }
    }
    return empty('SERVFAIL');
  }

  private udp(server: Server, q: Question): Promise<DecodedPacket> {
    const id = randomInt(0x10000);
    const packet = encodeQuery(id, q);
    const socket = dgram.createSocket(server.family === 4 ? 'udp4' : 'udp6');
    this.sockets.add(socket);
    return new Promise<DecodedPacket>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`upstream ${server.host}:${server.port} timed out`)), this.timeoutMs);
      socket.on('message', (m, from) => {
        if (from.address !== server.host || from.port !== server.port) return; // not from the server we asked
        const msg = decodeReplyTo(m, id, q);
        if (!msg) return;
        clearTimeout(timer);
        resolve(msg);
      });
      socket.on('error', (err) => (clearTimeout(timer), reject(err)));
      socket.send(packet, server.port, server.host); // binds a fresh random port first
    }).finally(() => {
      this.sockets.delete(socket);
      socket.close();
    });
  }

  private tcp(server: Server, q: Question): Promise<DecodedPacket> {
    return new Promise((resolve, reject) => {
      const conn = net.connect({ host: server.host, port: server.port });
      conn.setTimeout(this.timeoutMs, () => conn.destroy(new Error('upstream TCP timed out')));
      const id = randomInt(0x10000);
      let buf = Buffer.alloc(0);
      conn.on('connect', () => conn.write(dnsPacket.streamEncode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [q as dnsPacket.Question] })));
      conn.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          conn.end();
          const msg = decodeReplyTo(buf.subarray(2, 2 + buf.readUInt16BE(0)), id, q);
          if (msg) resolve(msg);
          else reject(new Error('upstream TCP reply does not match the query'));
        }
      });
      conn.on('error', reject);
      conn.on('close', () => reject(new Error('upstream closed the connection')));
    });
  }
}

/** The reply, when `m` is one to query `id` for `q`; undefined for garbage or someone else's reply. */
function decodeReplyTo(m: Buffer, id: number, q: Question): DecodedPacket | undefined {
  try {
    const msg = dnsPacket.decode(m);
    const question = msg.questions?.[0];
    const ours = msg.type === 'response' && msg.id === id && question?.name.toLowerCase() === q.name.toLowerCase() && question.type === q.type;
    return ours ? msg : undefined;
  } catch {
    return undefined;
  }
}

function encodeQuery(id: number, q: Question): Buffer {
  return dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [q as dnsPacket.Question] });
}

function toReply(msg: DecodedPacket): Reply {
  const rcode = (msg as DecodedPacket & { rcode: string }).rcode;
  return {
    rcode: (['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'].includes(rcode) ? rcode : 'SERVFAIL') as Rcode,
    answers: msg.answers ?? [],
    authorities: msg.authorities ?? [],
    additionals: (msg.additionals ?? []).filter((a) => a.type !== 'OPT'),
  };
}

const empty = (rcode: Rcode): Reply => ({ rcode, answers: [], authorities: [], additionals: [] });

/** How long a reply may be cached: its smallest TTL; for a negative answer, the SOA minimum (RFC 2308). */
function cacheTTL(r: Reply): number {
  if (r.rcode !== 'NOERROR' && r.rcode !== 'NXDOMAIN') return 0;
  if (r.answers.length) return Math.min(MAX_CACHE_TTL, ...r.answers.map(ttl));
  const soa = r.authorities.find((a) => a.type === 'SOA');
  return soa && soa.type === 'SOA' ? Math.min(MAX_CACHE_TTL, ttl(soa), soa.data.minimum ?? 0) : 0;
}

const ttl = (a: Answer): number => (a.type === 'OPT' ? 0 : (a.ttl ?? 0));

/** The reply with every record's TTL mapped (aged by its time in the cache, or capped). */
function withTTLs(r: Reply, f: (ttl: number) => number): Reply {
  const map = (list: Answer[]): Answer[] => list.map((a) => (a.type === 'OPT' ? a : { ...a, ttl: f(a.ttl ?? 0) }));
  return { ...r, answers: map(r.answers), authorities: map(r.authorities), additionals: map(r.additionals) };
}
