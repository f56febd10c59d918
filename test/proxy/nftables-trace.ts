// A packet tracer over a rendered table: walks a new connection's first packet through the
// prerouting, input/forward and postrouting base chains, interpreting the subset of nft the
// renderer emits, and follows both outcomes of every `numgen` draw so it answers all possible
// endpoints.
// A statement it does not know is an error, never a silent pass.

import type { TracePacket } from './trace-cases.js';
import { parseTable } from './nftables-parse.js';
import type { Chain, NftSet, Ruleset } from '../../src/proxy/modes/nftables/ruleset.js';

export interface TraceOptions {
  /** The node's own addresses: a packet still addressed to one after prerouting goes to input. */
  localAddresses: string[];
  /** Contents of dynamic sets (ClientIP affinity), by set name. */
  remembered?: Map<string, Set<string>>;
}

export interface TracePath {
  verdict: 'forward' | 'reject' | 'drop' | 'none';
  /** `ip:port` after DNAT. */
  endpoint?: string;
  masquerade: boolean;
  /** Dynamic sets the source address was added to. */
  updates: string[];
  /** Named counters the packet was counted in. */
  counted: string[];
}

export interface TraceResult {
  verdict: TracePath['verdict'];
  endpoints: string[];
  /** On any path. */
  masquerade: boolean;
  paths: TracePath[];
}

interface Pkt {
  saddr: string;
  daddr: string;
  proto: string;
  dport: number;
  mark: number;
  dnat?: string;
  masquerade: boolean;
  updates: string[];
  counted: string[];
}

type Terminal = 'accept' | 'drop' | 'reject';
type Then = 'next' | 'return' | Terminal | { jump: string } | { goto: string };
interface Branch {
  p: Pkt;
  flow: 'return' | Terminal;
}

const MAX_DEPTH = 32;

function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

function inPrefix(ip: string, prefix: string): boolean {
  const [net, bits = '32'] = prefix.split('/');
  const shift = 32 - Number(bits);
  return Math.floor(ipToInt(ip) / 2 ** shift) === Math.floor(ipToInt(net!) / 2 ** shift);
}

function parseVerdict(v: string): Then {
  const m = /^(jump|goto) (\S+)$/.exec(v);
  if (m) return m[1] === 'jump' ? { jump: m[2]! } : { goto: m[2]! };
  if (v === 'accept' || v === 'drop' || v === 'reject' || v === 'return') return v;
  throw new Error(`nft trace: unknown verdict ${v}`);
}

/** The packet after `dnat to ip:port`; NAT statements end the chain's evaluation. */
function dnat(p: Pkt, target: string): { p: Pkt; then: Then } {
  const [ip, port] = target.split(':');
  return { p: { ...p, updates: [...p.updates], counted: [...p.counted], daddr: ip!, dport: Number(port), dnat: target }, then: 'accept' };
}

class Tracer {
  private readonly chains: Map<string, Chain>;
  private readonly sets: Map<string, NftSet>;

  constructor(private readonly r: Ruleset, private readonly opts: TraceOptions) {
    this.chains = new Map(r.chains.map((c) => [c.name, c]));
    this.sets = new Map(r.sets.map((s) => [s.name, s]));
  }

  trace(packet: TracePacket): TracePath[] {
    let branches: Branch[] = [
      {
        p: { saddr: packet.sourceIP, daddr: packet.destIP, proto: packet.protocol.toLowerCase(), dport: packet.destPort, mark: 0, masquerade: false, updates: [], counted: [] },
        flow: 'accept',
      },
    ];
    branches = this.hook(branches, () => 'prerouting');
    branches = this.hook(branches, (p) => (this.opts.localAddresses.includes(p.daddr) ? 'input' : 'forward'));
    branches = this.hook(branches, (p) => (this.opts.localAddresses.includes(p.daddr) ? undefined : 'postrouting'));
    return branches.map(({ p, flow }) => ({
      verdict: flow === 'drop' || flow === 'reject' ? flow : p.dnat ? 'forward' : 'none',
      ...(p.dnat ? { endpoint: p.dnat } : {}),
      masquerade: p.masquerade,
      updates: p.updates,
      counted: p.counted,
    }));
  }

  /** Runs the base chains of one hook, by priority, on every branch still accepted. */
  private hook(branches: Branch[], hookOf: (p: Pkt) => string | undefined): Branch[] {
    return branches.flatMap((b) => {
      const hook = b.flow === 'accept' ? hookOf(b.p) : undefined;
      if (!hook) return [b];
      const bases = this.r.chains.filter((c) => c.base?.hook === hook).sort((x, y) => x.base!.priority - y.base!.priority);
      let out: Branch[] = [b];
      for (const c of bases) {
        out = out.flatMap((o) =>
          o.flow !== 'accept' ? [o] : this.runChain(c.name, o.p, 0).map((r): Branch => ({ p: r.p, flow: r.flow === 'return' ? 'accept' : r.flow })),
        );
      }
      return out;
    });
  }

  private runChain(name: string, p: Pkt, depth: number): Branch[] {
    const chain = this.chains.get(name);
    if (!chain) throw new Error(`nft trace: no chain ${name}`);
    if (depth > MAX_DEPTH) throw new Error(`nft trace: chains nested deeper than ${MAX_DEPTH} at ${name}`);
    return this.runRules(chain, 0, p, depth);
  }

  private runRules(chain: Chain, i: number, p: Pkt, depth: number): Branch[] {
    if (i === chain.rules.length) return [{ p, flow: 'return' }];
    return this.evalRule(chain.rules[i]!, p).flatMap(({ p: q, then }): Branch[] => {
      if (then === 'next') return this.runRules(chain, i + 1, q, depth);
      if (typeof then === 'string') return [{ p: q, flow: then }];
      if ('goto' in then) return this.runChain(then.goto, q, depth + 1);
      return this.runChain(then.jump, q, depth + 1).flatMap((b) => (b.flow === 'return' ? this.runRules(chain, i + 1, b.p, depth) : [b]));
    });
  }

  private lookup(mapName: string, key: string): Then | undefined {
    const map = this.sets.get(mapName);
    if (map?.data !== 'verdict') throw new Error(`nft trace: no map ${mapName}`);
    const el = map.elements.find((e) => e.startsWith(`${key} : `));
    return el === undefined ? undefined : parseVerdict(el.slice(key.length + 3));
  }

  /** The counter a counter map names for `key`; undefined when the key is not in it. */
  private counterIn(mapName: string, key: string): string | undefined {
    const map = this.sets.get(mapName);
    if (map?.data !== 'counter') throw new Error(`nft trace: no counter map ${mapName}`);
    const el = map.elements.find((e) => e.startsWith(`${key} : `));
    const name = el && /^"(.*)"$/.exec(el.slice(key.length + 3))?.[1];
    if (name !== undefined && !this.r.counters.includes(name)) throw new Error(`nft trace: no counter ${name}`);
    return name;
  }

  private member(setName: string, value: string): boolean {
    const set = this.sets.get(setName);
    if (!set) throw new Error(`nft trace: no set ${setName}`);
    return set.elements.includes(value) || !!this.opts.remembered?.get(setName)?.has(value);
  }

  /** One rule: its matches in order, then its statement(s). */
  private evalRule(rule: string, p0: Pkt): { p: Pkt; then: Then }[] {
    const p: Pkt = { ...p0, updates: [...p0.updates], counted: [...p0.counted] };
    let rest = rule;
    const take = (re: RegExp): RegExpExecArray | null => {
      const m = re.exec(rest);
      if (m) rest = rest.slice(m[0].length).trimStart();
      return m;
    };
    const field = (f: string): string => (f === 'saddr' ? p.saddr : p.daddr);
    let m: RegExpExecArray | null;
    while (rest) {
      if ((m = take(/^ip daddr \. meta l4proto \. th dport vmap @(\S+)/)) || (m = take(/^meta l4proto \. th dport vmap @(\S+)/))) {
        const key = m[0].startsWith('ip daddr') ? `${p.daddr} . ${p.proto} . ${p.dport}` : `${p.proto} . ${p.dport}`;
        const then = this.lookup(m[1]!, key);
        return [{ p, then: then ?? 'next' }];
      } else if ((m = take(/^ip saddr \. ip daddr @(\S+)/))) {
        if (!this.member(m[1]!, `${p.saddr} . ${p.daddr}`)) return [{ p: p0, then: 'next' }];
      } else if ((m = take(/^ip (saddr|daddr) (!= )?@(\S+)/))) {
        if (this.member(m[3]!, field(m[1]!)) === !!m[2]) return [{ p: p0, then: 'next' }];
      } else if ((m = take(/^ip (saddr|daddr) (!= )?([\d.]+(?:\/\d+)?)/))) {
        if (inPrefix(field(m[1]!), m[3]!) === !!m[2]) return [{ p: p0, then: 'next' }];
      } else if ((m = take(/^(tcp|udp|sctp|th) dport (\d+)/))) {
        if ((m[1] !== 'th' && m[1] !== p.proto) || Number(m[2]) !== p.dport) return [{ p: p0, then: 'next' }];
      } else if ((m = take(/^meta l4proto (tcp|udp|sctp)\b/))) {
        if (m[1] !== p.proto) return [{ p: p0, then: 'next' }];
      } else if (take(/^ct state new\b/)) {
        // Traced packets open a new connection.
      } else if (take(/^ct status dnat\b/)) {
        if (!p.dnat) return [{ p: p0, then: 'next' }];
      } else if ((m = take(/^ct direction (original|reply)\b/))) {
        // Traced packets are a connection's first, its original direction.
        if (m[1] === 'reply') return [{ p: p0, then: 'next' }];
      } else if ((m = take(/^counter name ip daddr \. meta l4proto \. th dport map @(\S+)/))) {
        const name = this.counterIn(m[1]!, `${p.daddr} . ${p.proto} . ${p.dport}`);
        if (name === undefined) return [{ p: p0, then: 'next' }];
        p.counted.push(name);
      } else if (take(/^fib saddr type local\b/)) {
        // Traced packets arrive from a pod or from outside, never from the node itself.
        return [{ p: p0, then: 'next' }];
      } else if ((m = take(/^meta mark & (0x[0-9a-f]+) == 0\b/))) {
        if ((p.mark & Number(m[1])) !== 0) return [{ p: p0, then: 'next' }];
      } else if ((m = take(/^meta mark set meta mark ([|^]) (0x[0-9a-f]+)/))) {
        p.mark = m[1] === '|' ? p.mark | Number(m[2]) : p.mark ^ Number(m[2]);
      } else if ((m = take(/^update @(\S+) \{ ip saddr \}/))) {
        p.updates.push(m[1]!);
      } else if ((m = take(/^counter name (\S+)/))) {
        if (!this.r.counters.includes(m[1]!)) throw new Error(`nft trace: no counter ${m[1]}`);
        p.counted.push(m[1]!);
      } else if ((m = take(/^numgen random mod (\d+) == 0\b/))) {
        // A draw: both outcomes are followed (the rest of the rule, or the next rule).
        if (Number(m[1]) < 2) throw new Error(`nft trace: a draw that always matches in: ${rule}`);
        return [...this.evalRule(rest, p), { p: p0, then: 'next' }];
      } else if ((m = take(/^dnat to ([\d.]+:\d+)$/))) {
        return [dnat(p, m[1]!)];
      } else if (take(/^masquerade( fully-random)?$/)) {
        return [{ p: { ...p, masquerade: true }, then: 'accept' }];
      } else if ((m = take(/^(jump \S+|goto \S+|return|accept|drop|reject)$/))) {
        return [{ p, then: parseVerdict(m[1]!) }];
      } else {
        throw new Error(`nft trace: cannot interpret "${rest}" in rule: ${rule}`);
      }
    }
    return [{ p, then: 'next' }];
  }
}

/** Traces one packet through a table rendered by renderNftables(). */
export function traceNftables(rendered: string, packet: TracePacket, opts: TraceOptions): TraceResult {
  const paths = new Tracer(parseTable(rendered), opts).trace(packet);
  const verdicts = [...new Set(paths.map((p) => p.verdict))];
  if (verdicts.length !== 1) throw new Error(`nft trace: paths disagree: ${verdicts.join(', ')}`);
  return {
    verdict: verdicts[0]!,
    endpoints: [...new Set(paths.flatMap((p) => (p.endpoint ? [p.endpoint] : [])))].sort(),
    masquerade: paths.some((p) => p.masquerade),
    paths,
  };
}
