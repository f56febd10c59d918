// A stand-in upstream resolver for tests and benchmarks, on a loopback address of either
// family: A and AAAA records from a table, NXDOMAIN for the rest, UDP and TCP. Over UDP it
// truncates like a real server (TC set, no answers) when the reply exceeds 512 bytes, so the
// TCP fallback gets exercised.

import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type Answer } from 'dns-packet';

export interface FakeUpstream {
  address: string;
  port: number;
  /** Queries received, by name. */
  queries: Map<string, number>;
  close(): Promise<void>;
}

export async function startFakeUpstream(address: string, table: Record<string, string[]>): Promise<FakeUpstream> {
  const queries = new Map<string, number>();
  const reply = (msg: Buffer, udp: boolean): Buffer | undefined => {
    let q: dnsPacket.DecodedPacket;
    try {
      q = dnsPacket.decode(msg);
    } catch {
      return undefined;
    }
    const question = q.questions![0];
    const name = question.name.toLowerCase();
    queries.set(name, (queries.get(name) ?? 0) + 1);
    const ips = table[name];
    const answers: Answer[] = (ips ?? [])
      .filter((ip) => question.type === (net.isIPv6(ip) ? 'AAAA' : 'A'))
      .map((ip) => ({ name: question.name, type: question.type as 'A', ttl: 300, class: 'IN', data: ip }));
    const authorities: Answer[] = answers.length
      ? []
      : [{ name: 'test', type: 'SOA', ttl: 60, class: 'IN', data: { mname: 'ns.test', rname: 'hostmaster.test', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 30 } }];
    const rcode = ips ? 0 : 3;
    const packet = { type: 'response' as const, id: q.id, flags: dnsPacket.RECURSION_AVAILABLE | rcode, questions: q.questions, answers, authorities };
    const full = dnsPacket.encode(packet);
    if (!udp || full.length <= 512) return full;
    return dnsPacket.encode({ ...packet, flags: packet.flags | dnsPacket.TRUNCATED_RESPONSE, answers: [], authorities: [] });
  };

  const udp = dgram.createSocket(net.isIPv6(address) ? 'udp6' : 'udp4');
  udp.on('message', (msg, from) => {
    const r = reply(msg, true);
    if (r) udp.send(r, from.port, from.address);
  });
  await new Promise<void>((resolve) => udp.bind(0, address, resolve));
  const port = udp.address().port;
  const conns = new Set<net.Socket>();
  const tcp = net.createServer((conn) => {
    conns.add(conn);
    conn.on('close', () => conns.delete(conn));
    let buf = Buffer.alloc(0);
    conn.on('error', () => conn.destroy());
    conn.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const r = reply(buf.subarray(2, 2 + buf.readUInt16BE(0)), false);
        buf = buf.subarray(2 + buf.readUInt16BE(0));
        if (!r) continue;
        const len = Buffer.alloc(2);
        len.writeUInt16BE(r.length);
        conn.write(Buffer.concat([len, r]));
      }
    });
  });
  await new Promise<void>((resolve) => tcp.listen(port, address, resolve));
  return {
    address,
    port,
    queries,
    close: async () => {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      for (const c of conns) c.destroy();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}
