// ProxyState → iptables-restore input in kube-proxy's layout (README.md): a full sync, or a
// partial one (kube-proxy's since 1.27) rewriting only the service ports that changed. Pure: the
// decisions (verdicts, endpoint sets) come from the state; this only writes them out. Each
// service port's lines (PortRules) depend on that port alone. The builtin chains' jumps are not
// part of a restore (--noflush must not touch other rules): JUMP_RULES lists them for the mode.

import { categorize } from '../../state/categorize.js';
import { familyPort, IPV4, type IPFamily } from '../../state/family.js';
import type { AddressPlan, EndpointInfo, ProxyState, ServicePortState } from '../../state/types.js';
import type { PortChange } from '../port-changes.js';
import { endpointString, isServiceChain, sepChain, serviceChains, servicePortName } from './chain-names.js';
import { endpointSetName } from './endpoint-set.js';

export const KUBE_SERVICES = 'KUBE-SERVICES';
export const KUBE_EXTERNAL_SERVICES = 'KUBE-EXTERNAL-SERVICES';
export const KUBE_FORWARD = 'KUBE-FORWARD';
/** Counts the bytes of DNATed connections in the endpoint set (tinykube's; not kube-proxy's). */
export const KUBE_ENDPOINT_BYTES = 'KUBE-ENDPOINT-BYTES';
export const KUBE_NODEPORTS = 'KUBE-NODEPORTS';
export const KUBE_POSTROUTING = 'KUBE-POSTROUTING';
export const KUBE_MARK_MASQ = 'KUBE-MARK-MASQ';
/** kube-proxy's default --iptables-masquerade-bit 14. */
export const MASQ_MARK = '0x4000';

const FILTER_CHAINS = [KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_FORWARD, KUBE_ENDPOINT_BYTES];
const NAT_CHAINS = [KUBE_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ];

export interface RenderOptions {
  /** This cluster's pod network: traffic from elsewhere to a ClusterIP is masqueraded. */
  podCIDR: string;
  /** Masquerade all ClusterIP traffic (kube-proxy's --masquerade-all). */
  masqueradeAll?: boolean;
  /** Chains now in the kernel's nat table; our per-service ones not rendered again are deleted. */
  existingChains?: Iterable<string>;
  /** iptables or ip6tables: the family of the addresses kept (default IPv4). */
  family?: IPFamily;
  /** Match DNATed packets against the endpoint set (endpoint-set.ts), which must exist; false
   *  where ipset is missing: KUBE-ENDPOINT-BYTES stays empty (default true). */
  countBytes?: boolean;
}

export interface JumpRule {
  table: 'nat' | 'filter';
  chain: string;
  args: string[];
}

const comment = (text: string): string[] => ['-m', 'comment', '--comment', text];
/** iptables-restore splits on blanks; a word with blanks (a comment) is quoted. */
const word = (w: string): string => (w.includes(' ') ? `"${w}"` : w);
const NEW_CONN = ['-m', 'conntrack', '--ctstate', 'NEW'];
/** Every packet, both ways, of a connection DNATed here (the nat chains see only the first). */
const DNATED = ['-m', 'conntrack', '--ctstate', 'DNAT', ...comment('kubernetes endpoint bytes'), '-j', KUBE_ENDPOINT_BYTES];

/** Rules in builtin chains leading to ours (kube-proxy's iptablesJumpChains), in chain order. */
export const JUMP_RULES: JumpRule[] = [
  // First: KUBE-FORWARD accepts established connections, which would end FORWARD before it.
  // Not from lo: a packet between two local addresses was counted in OUTPUT already.
  { table: 'filter', chain: 'INPUT', args: ['!', '-i', 'lo', ...DNATED] },
  { table: 'filter', chain: 'FORWARD', args: DNATED },
  { table: 'filter', chain: 'OUTPUT', args: DNATED },
  { table: 'filter', chain: 'INPUT', args: [...NEW_CONN, ...comment('kubernetes externally-visible service portals'), '-j', KUBE_EXTERNAL_SERVICES] },
  { table: 'filter', chain: 'FORWARD', args: [...NEW_CONN, ...comment('kubernetes externally-visible service portals'), '-j', KUBE_EXTERNAL_SERVICES] },
  { table: 'filter', chain: 'FORWARD', args: [...NEW_CONN, ...comment('kubernetes service portals'), '-j', KUBE_SERVICES] },
  { table: 'filter', chain: 'FORWARD', args: [...comment('kubernetes forwarding rules'), '-j', KUBE_FORWARD] },
  { table: 'filter', chain: 'OUTPUT', args: [...NEW_CONN, ...comment('kubernetes service portals'), '-j', KUBE_SERVICES] },
  { table: 'nat', chain: 'PREROUTING', args: [...comment('kubernetes service portals'), '-j', KUBE_SERVICES] },
  { table: 'nat', chain: 'OUTPUT', args: [...comment('kubernetes service portals'), '-j', KUBE_SERVICES] },
  { table: 'nat', chain: 'POSTROUTING', args: [...comment('kubernetes postrouting rules'), '-j', KUBE_POSTROUTING] },
];

/** kube-proxy prints 1/n with ten decimals (Go's %0.10f). */
export const probability = (n: number): string => (1 / n).toFixed(10);

/** Chain declarations and rules of one table, written in order. */
class Table {
  readonly chains: string[] = [];
  readonly rules: string[] = [];
  declare(chain: string): void {
    this.chains.push(chain);
  }
  /** Declaring flushes it, so nothing refers to it any more when it is deleted. */
  remove(chain: string): void {
    this.declare(chain);
    this.rules.push(`-X ${chain}`);
  }
  /** Appends a rule; written out at once (a full sync of 10,000 services is ~200,000 lines). */
  add(chain: string, ...args: (string | string[])[]): void {
    const line = ['-A', chain];
    for (const a of args) {
      if (typeof a === 'string') line.push(word(a));
      else for (const w of a) line.push(word(w));
    }
    this.rules.push(line.join(' '));
  }
  /** The table's block; `first` lines go before the declarations. */
  text(name: string, first: string[] = []): string {
    const declared = this.chains.map((c) => `:${c} - [0:0]`);
    return `*${name}\n${[...first, ...declared, ...this.rules].map((l) => `${l}\n`).join('')}COMMIT\n`;
  }
}

/** One service port's lines: `-A` rules in shared and own chains, and its own nat chains. */
export interface PortRules {
  filter: string[];
  nat: string[];
  /** KUBE-SVC/SVL/EXT/SEP-* chains, declared before the rules. */
  natChains: string[];
}

/** The lines of one service port, whatever the other ports, on a node with these NodePort addresses. */
export function renderPort(sp: ServicePortState, nodePortIPs: string[], opts: RenderOptions): PortRules {
  const filter = new Table();
  const nat = new Table();
  renderServicePort(familyPort(sp, nodePortIPs, opts.family ?? IPV4), { filter, nat, opts });
  return { filter: filter.rules, nat: nat.rules, natChains: nat.chains };
}

export function renderIptables(state: ProxyState, opts: RenderOptions): string {
  return renderFull([...state.ports.values()].map((sp) => renderPort(sp, state.nodePortIPs, opts)), state.nodePortIPs, opts);
}

/** A full sync: every chain of ours declared (hence flushed) and written, stale ones deleted. */
export function renderFull(ports: PortRules[], nodePortIPs: string[], opts: RenderOptions): string {
  const filter = new Table();
  const nat = new Table();
  FILTER_CHAINS.forEach((c) => filter.declare(c));
  NAT_CHAINS.forEach((c) => nat.declare(c));

  nat.add(KUBE_POSTROUTING, '-m', 'mark', '!', '--mark', `${MASQ_MARK}/${MASQ_MARK}`, '-j', 'RETURN');
  // Clear the mark so a packet that comes back through the stack is not masqueraded twice.
  nat.add(KUBE_POSTROUTING, '-j', 'MARK', '--xor-mark', MASQ_MARK);
  nat.add(KUBE_POSTROUTING, comment('kubernetes service traffic requiring SNAT'), '-j', 'MASQUERADE', '--random-fully');
  nat.add(KUBE_MARK_MASQ, '-j', 'MARK', '--or-mark', MASQ_MARK);

  // Marked traffic must be forwarded even where the FORWARD policy is DROP.
  filter.add(KUBE_FORWARD, comment('kubernetes forwarding rules'), '-m', 'mark', '--mark', `${MASQ_MARK}/${MASQ_MARK}`, '-j', 'ACCEPT');
  filter.add(KUBE_FORWARD, comment('kubernetes forwarding conntrack rule'), '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT');

  if (opts.countBytes ?? true) {
    // One hash lookup per packet; the matched element counts it. Towards the endpoint the
    // packet's destination is the endpoint, back from it its source.
    const set = endpointSetName(opts.family);
    filter.add(KUBE_ENDPOINT_BYTES, '-m', 'conntrack', '--ctdir', 'ORIGINAL', '-m', 'set', '--match-set', set, 'dst,dst', '-j', 'RETURN');
    filter.add(KUBE_ENDPOINT_BYTES, '-m', 'conntrack', '--ctdir', 'REPLY', '-m', 'set', '--match-set', set, 'src,src', '-j', 'RETURN');
  }

  const active = new Set<string>();
  for (const p of ports) {
    filter.rules.push(...p.filter);
    nat.chains.push(...p.natChains);
    nat.rules.push(...p.nat);
    for (const c of p.natChains) active.add(c);
  }

  for (const chain of [...new Set(opts.existingChains ?? [])].sort()) {
    if (isServiceChain(chain) && !active.has(chain)) nat.remove(chain);
  }

  // Must stay last: a NodePort on a node address must not shadow a VIP rule above.
  for (const ip of nodePortIPs.filter((ip) => (opts.family ?? IPV4).has(ip))) {
    nat.add(KUBE_SERVICES, comment('kubernetes service nodeports; NOTE: this must be the last rule in this chain'), '-d', ip, '-j', KUBE_NODEPORTS);
  }
  return filter.text('filter') + nat.text('nat', [LIST_ALL_CHAINS]);
}

/**
 * First in a full sync's nat block: a listing without a chain (its output is ignored). The
 * nf_tables backend of iptables-restore (1.8.x) otherwise keeps the chains a restore names in a
 * sorted linked list, one walk per line — quadratic: 10,000 Services × 5 did not load in 10
 * minutes; a chainless command makes it fetch every chain instead: 9 s (see README).
 */
export const LIST_ALL_CHAINS = '-S';

/** The chain of an `-A CHAIN …` line. */
const chainOf = (line: string): string => line.slice(3, line.indexOf(' ', 3));

/** `-A CHAIN …` lines by chain, in order. */
function byChain(lines: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const l of lines) (out.get(chainOf(l)) ?? out.set(chainOf(l), []).get(chainOf(l))!).push(l);
  return out;
}

const sameLines = (a: string[] = [], b: string[] = []): boolean => a.length === b.length && a.every((l, i) => l === b[i]);

/** A new nat KUBE-SERVICES rule goes first, so the NodePort jumps stay last. */
const insertFirst = (l: string): string => (chainOf(l) === KUBE_SERVICES ? `-I ${KUBE_SERVICES} 1${l.slice(3 + KUBE_SERVICES.length)}` : l);

/** What a partial sync writes in one table, in this order. */
interface PartialSync {
  declared: string[];
  deleted: string[];
  rules: string[];
  removed: string[];
}

/** A port's rules in the shared chains (not in `own`): those gone are deleted, the new ones added. */
function sharedRules(before: string[] = [], after: string[] = [], own: Set<string>, out: PartialSync, add: (l: string) => string): void {
  const old = new Set(before.filter((l) => !own.has(chainOf(l))));
  const now = new Set(after.filter((l) => !own.has(chainOf(l))));
  for (const l of old) if (!now.has(l)) out.deleted.push(`-D${l.slice(2)}`);
  for (const l of now) if (!old.has(l)) out.rules.push(add(l));
}

/** A port's own chains: new or changed ones declared (flushed) and written, those gone deleted. */
function ownChains(before: PortRules | undefined, after: PortRules | undefined, out: PartialSync): void {
  const oldRules = byChain(before?.nat ?? []);
  const newRules = byChain(after?.nat ?? []);
  const had = new Set(before?.natChains);
  const kept = new Set(after?.natChains);
  for (const c of after?.natChains ?? []) {
    if (had.has(c) && sameLines(oldRules.get(c), newRules.get(c))) continue;
    out.declared.push(c);
    out.rules.push(...(newRules.get(c) ?? []));
  }
  for (const c of had) {
    if (kept.has(c)) continue;
    out.declared.push(c);
    out.removed.push(`-X ${c}`);
  }
}

/**
 * A partial sync (kube-proxy's since 1.27): only the changed ports' own chains are declared and
 * rewritten, their rules in the shared chains deleted (`-D`) or added one by one — never a
 * rewrite of KUBE-SERVICES, which iptables-restore's nf_tables backend pays for by the size of
 * the table. Chains are deleted last, once nothing refers to them. '' when nothing changed.
 */
export function renderPartial(changes: PortChange<PortRules>[]): string {
  const filter: PartialSync = { declared: [], deleted: [], rules: [], removed: [] };
  const nat: PartialSync = { declared: [], deleted: [], rules: [], removed: [] };
  for (const { before, after } of changes) {
    const own = new Set([...(before?.natChains ?? []), ...(after?.natChains ?? [])]);
    sharedRules(before?.filter, after?.filter, own, filter, (l) => l);
    sharedRules(before?.nat, after?.nat, own, nat, insertFirst);
    ownChains(before, after, nat);
  }
  const block = (name: string, t: PartialSync): string => {
    const lines = [...t.declared.map((c) => `:${c} - [0:0]`), ...t.deleted, ...t.rules, ...t.removed];
    return lines.length ? `*${name}\n${lines.map((l) => `${l}\n`).join('')}COMMIT\n` : '';
  };
  return block('filter', filter) + block('nat', nat);
}

/** Removes every chain a sync makes (once JUMP_RULES are gone): what stopping leaves behind is nothing. */
export function renderCleanup(natChains: Iterable<string>): string {
  const filter = new Table();
  const nat = new Table();
  FILTER_CHAINS.forEach((c) => filter.remove(c));
  [...NAT_CHAINS, ...[...natChains].filter(isServiceChain).sort()].forEach((c) => nat.remove(c));
  return filter.text('filter') + nat.text('nat');
}


interface Ctx {
  filter: Table;
  nat: Table;
  opts: RenderOptions;
}

function renderServicePort(sp: ServicePortState, { filter, nat, opts }: Ctx): void {
  const svc = sp.service;
  const name = servicePortName(svc);
  const proto = svc.protocol.toLowerCase();
  const match = (a: AddressPlan, withIP = true): string[] => ['-m', proto, '-p', proto, ...(withIP ? ['-d', a.ip] : []), '--dport', String(a.port)];
  const { cluster, local } = categorize(svc, sp.endpoints);
  const { cluster: clusterChain, local: localChain, external: externalChain } = serviceChains(svc);
  const seps = new Map(sp.endpoints.map((ep) => [ep, sepChain(svc, ep)]));
  const internal = sp.addresses.filter((a) => a.kind === 'ClusterIP');
  const external = sp.addresses.filter((a) => a.kind !== 'ClusterIP');
  // The state rejects every address alike when nothing is reachable; otherwise chains exist.
  const hasEndpoints = sp.addresses.some((a) => a.verdict !== 'reject');
  const filterOut = (a: AddressPlan): string[] => comment(`${name} ${a.verdict === 'reject' ? 'has no endpoints' : 'has no local endpoints'}`);
  const internalChain = svc.internalPolicyLocal ? localChain : clusterChain;

  for (const a of internal) {
    if (a.verdict === 'forward') nat.add(KUBE_SERVICES, comment(`${name} cluster IP`), match(a), '-j', internalChain);
    else filter.add(KUBE_SERVICES, filterOut(a), match(a), '-j', a.verdict.toUpperCase());
  }
  for (const a of external) {
    if (hasEndpoints && a.kind !== 'NodePort') {
      nat.add(KUBE_SERVICES, comment(`${name} ${a.kind === 'ExternalIP' ? 'external IP' : 'loadbalancer IP'}`), match(a), '-j', externalChain);
    }
    if (a.verdict !== 'forward') filter.add(KUBE_EXTERNAL_SERVICES, filterOut(a), match(a), '-j', a.verdict.toUpperCase());
  }
  // KUBE-NODEPORTS is entered per node address, so one rule per service port covers them all.
  const nodePort = external.find((a) => a.kind === 'NodePort');
  if (hasEndpoints && nodePort) nat.add(KUBE_NODEPORTS, comment(name), match(nodePort, false), '-j', externalChain);
  if (!hasEndpoints) return;

  const active = new Set<string>();
  const chain = (c: string): void => {
    nat.declare(c);
    active.add(c);
  };
  if (external.length) {
    chain(externalChain);
    if (!svc.externalPolicyLocal) {
      // Cluster policy may cross nodes: the reply must come back through this node.
      nat.add(externalChain, comment(`masquerade traffic for ${name} external destinations`), '-j', KUBE_MARK_MASQ);
    } else {
      // Pods reaching an external address are treated as if they went out and back in: any endpoint.
      nat.add(externalChain, comment(`pod traffic for ${name} external destinations`), '-s', opts.podCIDR, '-j', clusterChain);
      // The node itself would answer from the external address: masquerade, any endpoint.
      nat.add(externalChain, comment(`masquerade LOCAL traffic for ${name} external destinations`), '-m', 'addrtype', '--src-type', 'LOCAL', '-j', KUBE_MARK_MASQ);
      nat.add(externalChain, comment(`route LOCAL traffic for ${name} external destinations`), '-m', 'addrtype', '--src-type', 'LOCAL', '-j', clusterChain);
    }
    if (external.some((a) => a.verdict === 'forward')) nat.add(externalChain, '-j', svc.externalPolicyLocal ? localChain : clusterChain);
  }

  const masqInternal = (target: string): void => {
    for (const a of internal.filter((x) => x.verdict === 'forward')) {
      const from = opts.masqueradeAll ? [] : ['!', '-s', opts.podCIDR];
      nat.add(target, comment(`${name} cluster IP`), match(a), from, '-j', KUBE_MARK_MASQ);
    }
  };
  const dispatch = (target: string, eps: EndpointInfo[]): void => {
    chain(target);
    if (target === internalChain) masqInternal(target);
    if (svc.affinityTimeoutSeconds !== undefined) {
      for (const ep of eps) {
        const sep = seps.get(ep)!;
        nat.add(target, comment(`${name} -> ${endpointString(ep)}`), '-m', 'recent', '--name', sep, '--rcheck', '--seconds', String(svc.affinityTimeoutSeconds), '--reap', '-j', sep);
      }
    }
    eps.forEach((ep, i) => {
      const pick = i < eps.length - 1 ? ['-m', 'statistic', '--mode', 'random', '--probability', probability(eps.length - i)] : [];
      nat.add(target, comment(`${name} -> ${endpointString(ep)}`), pick, '-j', seps.get(ep)!);
    });
  };
  // KUBE-SVC also serves the short-circuit of external traffic under a Local policy.
  if (cluster.length && (!svc.internalPolicyLocal || external.length)) dispatch(clusterChain, cluster);
  if (local.length && (svc.internalPolicyLocal || (svc.externalPolicyLocal && external.length))) dispatch(localChain, local);

  const used = new Map<string, EndpointInfo>();
  for (const ep of [...(active.has(clusterChain) ? cluster : []), ...(active.has(localChain) ? local : [])]) used.set(endpointString(ep), ep);
  for (const ep of [...used.values()].sort((a, b) => (endpointString(a) < endpointString(b) ? -1 : 1))) {
    const sep = seps.get(ep)!;
    chain(sep);
    // Hairpin: an endpoint reaching itself through the service must see the node as source.
    nat.add(sep, comment(name), '-s', ep.ip, '-j', KUBE_MARK_MASQ);
    const remember = svc.affinityTimeoutSeconds !== undefined ? ['-m', 'recent', '--name', sep, '--set'] : [];
    nat.add(sep, comment(name), remember, '-m', proto, '-p', proto, '-j', 'DNAT', '--to-destination', endpointString(ep));
  }
}
