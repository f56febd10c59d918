// Forwarding names outside the cluster zone to upstream resolvers (CoreDNS `forward` and
// `cache`, as ideas): UDP first, TCP when the reply is truncated, the next upstream when one
// times out; answers cached for their TTL (negative ones for the SOA minimum); concurrent
// identical questions share one upstream query; at most maxInFlight queries outstanding.

import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import dnsPacket, { type Answer, type DecodedPacket } from 'dns-packet';
import type { Question, Rcode, Reply } from './records.js';
import { TtlCache } from './ttl-cache.js';

const MAX_CACHE_TTL = 3600;
const MAX_NEGATIVE_TTL = 300;

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
  private readonly pending = new Map<number, (msg: DecodedPacket) => void>();
  private readonly sockets = new Map<4 | 6, dgram.Socket>();
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
    if (hit) return Promise.resolve({ ...age(hit.value, hit.ageSeconds), cached: true });
    const shared = this.inFlight.get(key);
    if (shared) return shared;
    if (this.pending.size >= this.maxInFlight) return Promise.resolve({ ...empty('REFUSED'), cached: false });
    const p = this.query(q).then((reply) => {
      this.cache.set(key, reply, cacheTTL(reply));
      return { ...reply, cached: false };
    });
    this.inFlight.set(key, p);
    void p.finally(() => this.inFlight.delete(key));
    return p;
  }

  close(): void {
    for (const s of this.sockets.values()) s.close();
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
    const socket = this.socket(server.family);
    let id = randomInt(0x10000);
    while (this.pending.has(id)) id = randomInt(0x10000);
    const packet = encodeQuery(id, q);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`upstream ${server.host}:${server.port} timed out`));
      }, this.timeoutMs);
      this.pending.set(id, (msg) => {
        if (msg.questions?.[0]?.name.toLowerCase() !== q.name.toLowerCase()) return; // not ours: keep waiting
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(msg);
      });
      socket.send(packet, server.port, server.host);
    });
  }

  private tcp(server: Server, q: Question): Promise<DecodedPacket> {
    return new Promise((resolve, reject) => {
      const conn = net.connect({ host: server.host, port: server.port });
      conn.setTimeout(this.timeoutMs, () => conn.destroy(new Error('upstream TCP timed out')));
      let buf = Buffer.alloc(0);
      conn.on('connect', () => conn.write(dnsPacket.streamEncode({ type: 'query', id: randomInt(0x10000), flags: dnsPacket.RECURSION_DESIRED, questions: [q as dnsPacket.Question] })));
      conn.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          conn.end();
          try {
            resolve(dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))));
          } catch (e) {
            reject(e as Error);
          }
        }
      });
      conn.on('error', reject);
      conn.on('close', () => reject(new Error('upstream closed the connection')));
    });
  }

  private socket(family: 4 | 6): dgram.Socket {
    let s = this.sockets.get(family);
    if (s) return s;
    s = dgram.createSocket(family === 4 ? 'udp4' : 'udp6');
    s.on('message', (m) => {
      try {
        const msg = dnsPacket.decode(m);
        this.pending.get(msg.id ?? -1)?.(msg);
      } catch {
        // garbage from the network: ignore
      }
    });
    s.on('error', () => undefined);
    s.unref();
    this.sockets.set(family, s);
    return s;
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
  return soa && soa.type === 'SOA' ? Math.min(MAX_NEGATIVE_TTL, ttl(soa), soa.data.minimum ?? 0) : 0;
}

const ttl = (a: Answer): number => (a.type === 'OPT' ? 0 : (a.ttl ?? 0));

/** The reply with every TTL lowered by the seconds it spent in the cache. */
function age(r: Reply, seconds: number): Reply {
  const older = (list: Answer[]): Answer[] => list.map((a) => (a.type === 'OPT' ? a : { ...a, ttl: Math.max(0, (a.ttl ?? 0) - seconds) }));
  return { ...r, answers: older(r.answers), authorities: older(r.authorities), additionals: older(r.additionals) };
}
