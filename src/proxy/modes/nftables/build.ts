// ProxyState → the tinykube table (kube-proxy's nftables layout). A packet's path:
//   nat-prerouting/-output → services: @service-ips (VIP . proto . port) or, on a node address,
//   @service-nodeports (proto . port) → goto the service port's chain → DNAT to the endpoint a
//   cascade of `numgen` draws picks (through an endpoint chain only under ClientIP affinity).
//   Addresses whose verdict is reject/drop are in @no-endpoint-* maps, looked up by the filter
//   hooks (reject is only allowed there). Masquerade is a mark bit set on the way and acted on in
//   nat-postrouting. Each service port's share of the table (PortParts) depends on that port and
//   the node's addresses only, so a change sync can rebuild just the ports that changed.

import { categorize } from '../../state/categorize.js';
import { compareEndpoints } from '../../state/endpoints.js';
import { familyPort, IPV4, type IPFamily } from '../../state/family.js';
import { joinHostPort } from '../../../util/ip.js';
import type { EndpointInfo, ProxyState, ServicePortInfo, ServicePortState } from '../../state/types.js';
import * as n from './names.js';
import type { Chain, NftSet, Ruleset } from './ruleset.js';

export interface BuildOptions {
  table?: string;
  /** Traffic from outside it to a ClusterIP is masqueraded. */
  podCIDR: string;
  /** Masquerade every ClusterIP connection (kube-proxy's --masquerade-all). */
  masqueradeAll?: boolean;
  /** The table's family (one table per family, as kube-proxy); default IPv4. */
  family?: IPFamily;
}

/** What differs between the `ip` and the `ip6` table: the family keyword and the address type. */
export interface NftFamily {
  /** Table family and header keyword (`ip daddr`, `ip6 daddr`). */
  ip: 'ip' | 'ip6';
  addr: 'ipv4_addr' | 'ipv6_addr';
}

export const nftFamily = (f: IPFamily = IPV4): NftFamily => (f.name === 'IPv6' ? { ip: 'ip6', addr: 'ipv6_addr' } : { ip: 'ip', addr: 'ipv4_addr' });

const NODEPORT_KEY = 'inet_proto . inet_service';

/** The chains every table has, whatever the services. */
function fixedChains({ ip }: NftFamily): Chain[] {
  const check = `ct state new jump ${n.ENDPOINTS_CHECK_CHAIN}`;
  // After DNAT (nat hooks run at -100), every packet of a connection we DNATed: the endpoint is
  // the destination one way, the source the other; its counter is one map lookup away.
  const bytes = [
    `ct status dnat ct direction original counter name ${ip} daddr . meta l4proto . th dport map @${n.ENDPOINT_BYTES_MAP}`,
    `ct status dnat ct direction reply counter name ${ip} saddr . meta l4proto . th sport map @${n.ENDPOINT_BYTES_MAP}`,
  ];
  return [
    { name: n.NAT_PREROUTING, base: { type: 'nat', hook: 'prerouting', priority: -100 }, rules: [`jump ${n.SERVICES_CHAIN}`] },
    { name: n.NAT_OUTPUT, base: { type: 'nat', hook: 'output', priority: -100 }, rules: [`jump ${n.SERVICES_CHAIN}`] },
    { name: n.NAT_POSTROUTING, base: { type: 'nat', hook: 'postrouting', priority: 100 }, rules: [`jump ${n.MASQUERADING_CHAIN}`] },
    // Before the usual filter priority, so a host firewall's accept does not hide a reject.
    // Not from lo in input: a packet between two local addresses was counted in output already.
    { name: n.FILTER_INPUT, base: { type: 'filter', hook: 'input', priority: -10 }, rules: [check, ...bytes.map((r) => `iifname != "lo" ${r}`)] },
    { name: n.FILTER_FORWARD, base: { type: 'filter', hook: 'forward', priority: -10 }, rules: [check, ...bytes] },
    { name: n.FILTER_OUTPUT, base: { type: 'filter', hook: 'output', priority: -10 }, rules: [check, ...bytes] },
    {
      name: n.SERVICES_CHAIN,
      rules: [
        `${ip} daddr . meta l4proto . th dport vmap @${n.SERVICE_IPS_MAP}`,
        `${ip} daddr @${n.NODEPORT_IPS_SET} meta l4proto . th dport vmap @${n.SERVICE_NODEPORTS_MAP}`,
      ],
    },
    {
      name: n.ENDPOINTS_CHECK_CHAIN,
      rules: [
        `${ip} daddr . meta l4proto . th dport vmap @${n.NO_ENDPOINT_SERVICES_MAP}`,
        `${ip} daddr @${n.NODEPORT_IPS_SET} meta l4proto . th dport vmap @${n.NO_ENDPOINT_NODEPORTS_MAP}`,
      ],
    },
    { name: n.MARK_MASQ_CHAIN, rules: [`meta mark set meta mark | ${n.MASQ_MARK}`] },
    {
      name: n.MASQUERADING_CHAIN,
      // Hairpin: an endpoint reaching itself through a service must get the reply via the node.
      // The bit is cleared so that a packet going round again is judged afresh.
      rules: [
        `${ip} saddr . ${ip} daddr @${n.HAIRPIN_SET} jump ${n.MARK_MASQ_CHAIN}`,
        `meta mark & ${n.MASQ_MARK} == 0 return`, `meta mark set meta mark ^ ${n.MASQ_MARK}`,
        'masquerade fully-random',
      ],
    },
    { name: n.REJECT_CHAIN, rules: ['reject'] },
  ];
}

/** What one service port adds to the table. */
export interface PortParts {
  chains: Chain[];
  sets: NftSet[];
  /** Into the shared maps, @endpoint-bytes included (its counters follow its elements). */
  elements: { map: string; element: string }[];
  /** Its endpoints' named connection counters. */
  counters: string[];
  /** Endpoint IPs: traffic from one to itself after DNAT is masqueraded. */
  hairpin: string[];
}

/** Chains, sets and map elements of one service port, on a node with these NodePort addresses. */
export function servicePortParts(state: ServicePortState, nodePortIPs: string[], opts: BuildOptions): PortParts {
  const sp = familyPort(state, nodePortIPs, opts.family ?? IPV4);
  const { ip, addr } = nftFamily(opts.family);
  const out: PortParts = { chains: [], sets: [], elements: [], counters: [], hairpin: [] };
  const svc = sp.service;
  const proto = svc.protocol.toLowerCase();
  const { cluster, local } = categorize(svc, sp.endpoints);
  const forwarded = sp.addresses.filter((a) => a.verdict === 'forward');
  const external = forwarded.some((a) => a.kind !== 'ClusterIP');
  // The cluster chain is also where a Local-policy external address sends pods and the node.
  const usesCluster = forwarded.some((a) => !a.local) || (external && svc.externalPolicyLocal);
  const usesLocal = forwarded.some((a) => a.local);

  // Every node address has the NodePort with the same verdict: one element (proto . port).
  const firstNodePort = sp.addresses.find((a) => a.kind === 'NodePort');
  for (const a of sp.addresses) {
    if (a.kind === 'NodePort' && a !== firstNodePort) continue;
    const key = a.kind === 'NodePort' ? `${proto} . ${a.port}` : `${a.ip} . ${proto} . ${a.port}`;
    let map: string;
    let target: string;
    if (a.verdict === 'forward') {
      map = a.kind === 'NodePort' ? n.SERVICE_NODEPORTS_MAP : n.SERVICE_IPS_MAP;
      target = `goto ${a.kind !== 'ClusterIP' ? n.externalChain(svc) : a.local ? n.localChain(svc) : n.clusterChain(svc)}`;
    } else {
      map = a.kind === 'NodePort' ? n.NO_ENDPOINT_NODEPORTS_MAP : n.NO_ENDPOINT_SERVICES_MAP;
      target = a.verdict === 'reject' ? `goto ${n.REJECT_CHAIN}` : 'drop';
    }
    out.elements.push({ map, element: `${key} : ${target}` });
  }

  if (usesCluster) {
    const fromOutside = opts.masqueradeAll ? '' : ` ${ip} saddr != ${opts.podCIDR}`;
    const masq = forwarded
      .filter((a) => a.kind === 'ClusterIP' && !a.local)
      .map((a) => `${ip} daddr ${a.ip} ${proto} dport ${a.port}${fromOutside} jump ${n.MARK_MASQ_CHAIN}`);
    out.chains.push({ name: n.clusterChain(svc), rules: [...masq, ...pickRules(svc, cluster, ip)] });
  }
  if (usesLocal) out.chains.push({ name: n.localChain(svc), rules: pickRules(svc, local, ip) });
  if (external) {
    const toCluster = `goto ${n.clusterChain(svc)}`;
    const rules = svc.externalPolicyLocal
      ? [
          // Pods and the node itself reach external addresses as they reach the ClusterIP
          // (as kube-proxy does); only traffic from elsewhere keeps its source address.
          `${ip} saddr ${opts.podCIDR} ${toCluster}`,
          `fib saddr type local jump ${n.MARK_MASQ_CHAIN}`,
          `fib saddr type local ${toCluster}`,
          `goto ${n.localChain(svc)}`,
        ]
      : [`jump ${n.MARK_MASQ_CHAIN}`, toCluster];
    out.chains.push({ name: n.externalChain(svc), rules });
  }

  const endpoints = [...new Set([...(usesCluster ? cluster : []), ...(usesLocal ? local : [])])].sort(compareEndpoints);
  out.hairpin = endpoints.map((e) => e.ip);
  out.counters = endpoints.map((e) => n.endpointCounter(svc, e));
  for (const e of endpoints) out.elements.push({ map: n.ENDPOINT_BYTES_MAP, element: `${e.ip} . ${proto} . ${e.port} : "${n.endpointBytesCounter(e, proto)}"` });
  if (svc.affinityTimeoutSeconds === undefined) return out;
  // ClientIP affinity needs a chain per endpoint to remember who was sent there.
  for (const ep of endpoints) {
    out.sets.push({ name: n.affinitySet(svc, ep), type: addr, flags: 'dynamic,timeout', timeoutSeconds: svc.affinityTimeoutSeconds, elements: [] });
    out.chains.push({ name: n.endpointChain(svc, ep), rules: [`update @${n.affinitySet(svc, ep)} { ${ip} saddr }`, dnatRule(svc, ep)] });
  }
  return out;
}

/** The counter an @endpoint-bytes element names. */
export const bytesCounterOf = (element: string): string => element.slice(element.indexOf(' : "') + 4, -1);

/** DNAT to one endpoint, counted in its named counter: the rule sees a connection's first
 *  packet only (nat chains), so the counter's packets are the connections sent there. */
const dnatRule = (svc: ServicePortInfo, ep: EndpointInfo): string => `meta l4proto ${svc.protocol.toLowerCase()} counter name ${n.endpointCounter(svc, ep)} dnat to ${joinHostPort(ep.ip, ep.port)}`;

/**
 * A uniform random pick as a cascade of draws (iptables' statistic): rule i matches with
 * probability 1/(n-i), the last always. No anonymous map per service: the kernel names each
 * anonymous set by scanning all others, so 10,000 of them load in quadratic time (see README).
 * With affinity, a client seen recently goes to its endpoint's chain first.
 */
function pickRules(svc: ServicePortInfo, eps: EndpointInfo[], ip: NftFamily['ip']): string[] {
  const draw = (i: number): string => (i < eps.length - 1 ? `numgen random mod ${eps.length - i} == 0 ` : '');
  if (svc.affinityTimeoutSeconds === undefined) return eps.map((e, i) => `${draw(i)}${dnatRule(svc, e)}`);
  const sticky = eps.map((e) => `${ip} saddr @${n.affinitySet(svc, e)} goto ${n.endpointChain(svc, e)}`);
  return [...sticky, ...eps.map((e, i) => `${draw(i)}goto ${n.endpointChain(svc, e)}`)];
}

export function buildRuleset(state: ProxyState, opts: BuildOptions): Ruleset {
  return assembleRuleset([...state.ports.values()].map((sp) => servicePortParts(sp, state.nodePortIPs, opts)), state.nodePortIPs, opts);
}

/** The whole table from the fixed chains and every service port's parts, in port order. */
export function assembleRuleset(parts: Iterable<PortParts>, nodePortIPs: string[], opts: BuildOptions): Ruleset {
  // Sets: service ports sending to one endpoint share its @endpoint-bytes element.
  const maps: Record<string, Set<string>> = {
    [n.SERVICE_IPS_MAP]: new Set(),
    [n.SERVICE_NODEPORTS_MAP]: new Set(),
    [n.NO_ENDPOINT_SERVICES_MAP]: new Set(),
    [n.NO_ENDPOINT_NODEPORTS_MAP]: new Set(),
    [n.ENDPOINT_BYTES_MAP]: new Set(),
  };
  const f = nftFamily(opts.family);
  const family = opts.family ?? IPV4;
  const chains = fixedChains(f);
  const sets: NftSet[] = [];
  const counters: string[] = [];
  const hairpin = new Set<string>();
  for (const p of parts) {
    chains.push(...p.chains);
    counters.push(...p.counters);
    sets.push(...p.sets);
    for (const e of p.elements) maps[e.map]!.add(e.element);
    for (const ip of p.hairpin) hairpin.add(ip);
  }
  const vmap = (name: string, type: string): NftSet => ({ name, type, data: 'verdict', elements: [...maps[name]!] });
  const bytes = [...maps[n.ENDPOINT_BYTES_MAP]!];
  const vipKey = `${f.addr} . inet_proto . inet_service`;
  return {
    family: f.ip,
    table: opts.table ?? n.DEFAULT_TABLE,
    counters: [...counters, ...bytes.map(bytesCounterOf)],
    sets: [
      { name: n.NODEPORT_IPS_SET, type: f.addr, elements: nodePortIPs.filter((ip) => family.has(ip)).sort() },
      { name: n.HAIRPIN_SET, type: `${f.addr} . ${f.addr}`, elements: [...hairpin].sort().map(hairpinElement) },
      vmap(n.SERVICE_IPS_MAP, vipKey),
      vmap(n.SERVICE_NODEPORTS_MAP, NODEPORT_KEY),
      vmap(n.NO_ENDPOINT_SERVICES_MAP, vipKey),
      vmap(n.NO_ENDPOINT_NODEPORTS_MAP, NODEPORT_KEY),
      { name: n.ENDPOINT_BYTES_MAP, type: vipKey, data: 'counter', elements: bytes },
      ...sets,
    ],
    chains,
  };
}

/** The @hairpin-endpoints element of an endpoint IP. */
export const hairpinElement = (ip: string): string => `${ip} . ${ip}`;
