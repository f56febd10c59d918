// A packet tracer over rendered iptables rules: the first packet of a connection goes through nat
// PREROUTING, routing (local address → filter INPUT, else FORWARD), then nat POSTROUTING, with
// the builtin chains' jumps (BUILTIN_JUMPS, stated here, not taken from the renderer) in place. It interprets only the subset the renderer
// writes and refuses anything else, so the renderer cannot drift from what is tested. Random
// choices (statistic) and remembered clients (recent) may go either way: every branch is walked
// and the answer gathers all DNAT targets.

import { offsetOf, parseIPv4CIDR } from '../../src/util/ip.js';
import { parseRuleset, type Ruleset } from '../../src/proxy/modes/iptables/ruleset.js';

export interface Packet {
  sourceIP: string;
  destIP: string;
  destPort: number;
  protocol: string;
}

export interface TraceResult {
  verdict: 'forward' | 'reject' | 'drop' | 'none';
  /** Every `ip:port` a DNAT may choose, sorted. */
  endpoints: string[];
  masquerade: boolean;
}

interface Pkt {
  src: string;
  dst: string;
  dport: number;
  proto: string;
  mark: number;
  dnat?: string;
}

/** 'continue': on with the next rule; 'return': back to the calling chain. */
type Fate = 'continue' | 'return' | 'accept' | 'drop' | 'reject' | 'dnat' | 'masquerade';
interface End {
  fate: Fate;
  pkt: Pkt;
}

type Match = 'yes' | 'no' | 'maybe';
type Matcher = (p: Pkt) => Match;

interface Rule {
  matchers: Matcher[];
  target: string;
  targetArgs: Map<string, string>;
}

const MAX_DEPTH = 16;

export function traceIptables(rulesText: string, packet: Packet, localIPs: string[]): TraceResult {
  const ruleset = withJumps(parseRuleset(rulesText));
  const rules = new Map<string, Rule[]>();
  const chain = (table: string, name: string): Rule[] => {
    const key = `${table}/${name}`;
    if (!rules.has(key)) {
      const raw = ruleset.get(table)?.get(name);
      if (!raw) throw new Error(`jump to missing chain ${table} ${name}`);
      rules.set(key, raw.map((args) => compile(args, localIPs)));
    }
    return rules.get(key)!;
  };

  const run = (table: string, name: string, start: Pkt, depth: number): End[] => {
    if (depth > MAX_DEPTH) throw new Error(`jump loop through ${name}`);
    const ends: End[] = [];
    let paths = [start];
    for (const rule of chain(table, name)) {
      const next: Pkt[] = [];
      for (const p of paths) {
        const m = rule.matchers.reduce<Match>((acc, f) => (acc === 'no' ? 'no' : both(acc, f(p))), 'yes');
        if (m !== 'yes') next.push(p);
        if (m === 'no') continue;
        for (const e of apply(table, rule, p, depth)) {
          if (e.fate === 'continue') next.push(e.pkt);
          else ends.push(e);
        }
      }
      paths = next;
    }
    return [...ends, ...paths.map((pkt) => ({ fate: 'return' as const, pkt }))];
  };

  const apply = (table: string, rule: Rule, p: Pkt, depth: number): End[] => {
    const arg = (k: string): string => rule.targetArgs.get(k) ?? '';
    switch (rule.target) {
      case 'RETURN':
        return [{ fate: 'return', pkt: p }];
      case 'MARK': {
        const mark = rule.targetArgs.has('--or-mark') ? p.mark | Number(arg('--or-mark')) : p.mark ^ Number(arg('--xor-mark'));
        return [{ fate: 'continue', pkt: { ...p, mark } }];
      }
      case 'DNAT': {
        const to = arg('--to-destination');
        const [ip, port] = to.split(':');
        return [{ fate: 'dnat', pkt: { ...p, dst: ip!, dport: Number(port), dnat: to } }];
      }
      case 'ACCEPT':
      case 'DROP':
      case 'REJECT':
      case 'MASQUERADE':
        return [{ fate: rule.target.toLowerCase() as Fate, pkt: p }];
      default:
        return run(table, rule.target, p, depth + 1).map((e) => (e.fate === 'return' ? { ...e, fate: 'continue' } : e));
    }
  };

  // A builtin chain's policy is ACCEPT: falling off its end accepts.
  const hook = (table: string, name: string, p: Pkt): End[] => run(table, name, p, 0).map((e) => (e.fate === 'return' ? { ...e, fate: 'accept' } : e));

  const start: Pkt = { src: packet.sourceIP, dst: packet.destIP, dport: packet.destPort, proto: packet.protocol.toLowerCase(), mark: 0 };
  const outcomes: TraceResult[] = [];
  for (const pre of hook('nat', 'PREROUTING', start)) {
    const toHost = localIPs.includes(pre.pkt.dst);
    for (const f of hook('filter', toHost ? 'INPUT' : 'FORWARD', pre.pkt)) {
      if (f.fate === 'drop' || f.fate === 'reject') {
        outcomes.push({ verdict: f.fate, endpoints: [], masquerade: false });
        continue;
      }
      // Packets delivered to the host itself do not pass POSTROUTING.
      const post = toHost ? [] : hook('nat', 'POSTROUTING', f.pkt);
      const masquerade = post.some((e) => e.fate === 'masquerade');
      outcomes.push(f.pkt.dnat ? { verdict: 'forward', endpoints: [f.pkt.dnat], masquerade } : { verdict: 'none', endpoints: [], masquerade });
    }
  }
  const verdicts = new Set(outcomes.map((o) => o.verdict));
  if (verdicts.size !== 1) throw new Error(`the paths disagree: ${[...verdicts].join(', ')}`);
  return {
    verdict: outcomes[0]!.verdict,
    endpoints: [...new Set(outcomes.flatMap((o) => o.endpoints))].sort(),
    masquerade: outcomes.some((o) => o.masquerade),
  };
}

/** The builtin chains' rules on a node running the mode, in order, comments left out: kube-proxy's
 *  iptablesJumpChains, the ones this proxy installs. Written out here rather than taken from the
 *  renderer, so a wrong jump there makes a wrong trace; iptables-mode.test.ts checks that the
 *  mode's inserts build exactly these. */
const BYTES = '-m conntrack --ctstate DNAT -j KUBE-ENDPOINT-BYTES';
export const BUILTIN_JUMPS: Record<string, Record<string, string[]>> = {
  filter: {
    INPUT: [`! -i lo ${BYTES}`, '-m conntrack --ctstate NEW -j KUBE-EXTERNAL-SERVICES'],
    FORWARD: [BYTES, '-m conntrack --ctstate NEW -j KUBE-EXTERNAL-SERVICES', '-m conntrack --ctstate NEW -j KUBE-SERVICES', '-j KUBE-FORWARD'],
    OUTPUT: [BYTES, '-m conntrack --ctstate NEW -j KUBE-SERVICES'],
  },
  nat: { PREROUTING: ['-j KUBE-SERVICES'], OUTPUT: ['-j KUBE-SERVICES'], POSTROUTING: ['-j KUBE-POSTROUTING'] },
};

/** The builtin chains as the mode leaves them: only the jumps above. */
function withJumps(ruleset: Ruleset): Ruleset {
  for (const [table, chains] of Object.entries(BUILTIN_JUMPS)) {
    const t = ruleset.get(table) ?? ruleset.set(table, new Map()).get(table)!;
    for (const [chain, rules] of Object.entries(chains)) t.set(chain, rules.map((r) => r.split(' ')));
  }
  return ruleset;
}

function both(a: Match, b: Match): Match {
  if (a === 'no' || b === 'no') return 'no';
  return a === 'maybe' || b === 'maybe' ? 'maybe' : 'yes';
}

const negate = (m: Match): Match => (m === 'yes' ? 'no' : m === 'no' ? 'yes' : 'maybe');
const when = (c: boolean): Match => (c ? 'yes' : 'no');

/** One rule's arguments into matchers and a target; anything outside the subset is an error. */
function compile(args: string[], localIPs: string[]): Rule {
  const matchers: Matcher[] = [];
  const targetArgs = new Map<string, string>();
  let target = '';
  let negated = false;
  const push = (m: Matcher): void => {
    const neg = negated;
    matchers.push(neg ? (p) => negate(m(p)) : m);
    negated = false;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${a} needs a value in: ${args.join(' ')}`);
      return v;
    };
    if (target) {
      targetArgs.set(a, a === '--random-fully' ? '' : value());
      continue;
    }
    switch (a) {
      case '!':
        negated = true;
        break;
      case '-m':
        if (!['comment', 'tcp', 'udp', 'sctp', 'addrtype', 'statistic', 'recent', 'mark', 'conntrack', 'set'].includes(value())) throw new Error(`unknown match ${args[i]}`);
        break;
      case '--comment':
      case '--name':
      case '--seconds':
        value();
        break;
      case '--reap':
      case '--set':
        break;
      case '-p': {
        const proto = value();
        push((p) => when(p.proto === proto));
        break;
      }
      case '-s':
      case '-d': {
        const cidr = value();
        push((p) => when(inCidr(a === '-s' ? p.src : p.dst, cidr)));
        break;
      }
      case '-i': {
        // Traced packets arrive from the network, never on lo.
        const dev = value();
        push(() => when(dev !== 'lo'));
        break;
      }
      case '--dport': {
        const port = Number(value());
        push((p) => when(p.dport === port));
        break;
      }
      case '--src-type':
      case '--dst-type': {
        if (value() !== 'LOCAL') throw new Error(`only LOCAL address types: ${args.join(' ')}`);
        push((p) => when(localIPs.includes(a === '--src-type' ? p.src : p.dst)));
        break;
      }
      case '--mode':
        if (value() !== 'random') throw new Error(`only random statistic: ${args.join(' ')}`);
        break;
      case '--probability': {
        const prob = Number(value());
        push(() => (prob >= 1 ? 'yes' : prob <= 0 ? 'no' : 'maybe'));
        break;
      }
      case '--rcheck':
        push(() => 'maybe');
        break;
      case '--mark': {
        const [v, m] = value().split('/');
        const mask = m === undefined ? 0xffffffff : Number(m);
        push((p) => when((p.mark & mask) === (Number(v) & mask)));
        break;
      }
      case '--ctstate': {
        // Traced packets open a connection; after the nat chains, it is DNATed or not.
        const states = value().split(',');
        push((p) => when(states.includes('NEW') || (states.includes('DNAT') && !!p.dnat)));
        break;
      }
      case '--ctdir': {
        // Traced packets go towards the service: the original direction.
        const dir = value();
        push(() => when(dir === 'ORIGINAL'));
        break;
      }
      case '--match-set': {
        // The endpoint set holds every endpoint the rules DNAT to; dst,dst names the destination.
        value();
        const dirs = value();
        push((p) => when(!!p.dnat && dirs === 'dst,dst'));
        break;
      }
      case '-j':
        target = value();
        break;
      default:
        throw new Error(`unsupported argument ${a} in: ${args.join(' ')}`);
    }
  }
  if (!target) throw new Error(`rule without a target: ${args.join(' ')}`);
  return { matchers, target, targetArgs };
}

function inCidr(ip: string, cidr: string): boolean {
  const net = parseIPv4CIDR(cidr.includes('/') ? cidr : `${cidr}/32`);
  if (!net) throw new Error(`not an IPv4 address or CIDR: ${cidr}`);
  return offsetOf(net, ip) !== undefined;
}
