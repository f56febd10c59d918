// `tinykube explain svc/NAME`: in plain words, what the datapath does with a new connection to
// each address of a Service — listener, verdict, endpoint set with conditions, scheduler,
// affinity and policy — read from the same ProxyState the proxy renders. A dual-stack Service is
// shown family by family: as kube-proxy runs one proxier per family, an address leads only to
// endpoints of its own family. In a kernel mode, the real rules: the mode's renderer run on that
// state, cut down to this Service's part, in each family's table (ip/ip6, iptables/ip6tables).

import { readSettings, weightOf } from './modes/userspace/annotations.js';
import { DESCRIPTIONS, type SchedulerName } from './modes/userspace/scheduler.js';
import { listenerKey } from './modes/userspace/plan.js';
import { iptablesServiceRules } from './modes/iptables/service-rules.js';
import { DEFAULT_TABLE } from './modes/nftables/names.js';
import { nftablesServiceRules } from './modes/nftables/service-rules.js';
import { planAddresses } from './state/categorize.js';
import { familyOf, IPV6, type IPFamily as ProxyFamily } from './state/family.js';
import type { AddressPlan, EndpointInfo, ProxyState, ServicePortState } from './state/types.js';
import { ipFamilyOf, joinHostPort, type IPFamily } from '../util/ip.js';

/** Why nothing is shown for the Service, if nothing is. */
function nothingToShow(state: ProxyState, namespace: string, name: string): string | undefined {
  if (!state.synced) return `The proxy has not synced Services and EndpointSlices yet: it programs nothing until it has.\n`;
  if (![...state.ports.values()].some((p) => p.service.namespace === namespace && p.service.name === name)) {
    return `Service ${namespace}/${name} has no virtual address on node ${state.nodeName}: it does not exist, or it is headless or ExternalName (DNS only, the proxy does nothing for it).\n`;
  }
  return undefined;
}

export function explainService(state: ProxyState, namespace: string, name: string, defaultScheduler: SchedulerName = 'rr'): string {
  const nothing = nothingToShow(state, namespace, name);
  if (nothing) return nothing;
  const ports = [...state.ports.values()].filter((p) => p.service.namespace === namespace && p.service.name === name);
  const svc = ports[0].service;
  const lines = [
    `Service ${namespace}/${name} (type ${svc.type}), as the proxy on node ${state.nodeName} carries it (userspace mode).`,
    'The endpoint sees the proxy as the source address of every connection.',
  ];
  for (const p of ports) lines.push('', ...explainPort(p, defaultScheduler, state.nodePortIPs));
  return lines.join('\n') + '\n';
}

/** The port's endpoints and addresses, per family when its cluster IPs are of both. */
function byFamily(p: ServicePortState, nodePortIPs: string[]): { family?: IPFamily; endpoints: EndpointInfo[]; addresses: AddressPlan[] }[] {
  const families = [...new Set(p.service.clusterIPs.map(ipFamilyOf))].filter((f): f is IPFamily => !!f);
  if (families.length < 2) return [{ endpoints: p.endpoints, addresses: p.addresses }];
  return families.map((family) => {
    const of = (ips: string[]): string[] => ips.filter((ip) => ipFamilyOf(ip) === family);
    const svc = { ...p.service, clusterIPs: of(p.service.clusterIPs), externalIPs: of(p.service.externalIPs), loadBalancerIPs: of(p.service.loadBalancerIPs) };
    const endpoints = p.endpoints.filter((e) => ipFamilyOf(e.ip) === family);
    return { family, endpoints, addresses: planAddresses(svc, endpoints, of(nodePortIPs)) };
  });
}

function explainPort(p: ServicePortState, defaultScheduler: SchedulerName, nodePortIPs: string[]): string[] {
  const s = p.service;
  const settings = readSettings(s, defaultScheduler);
  const out = [`Port ${s.portName ? `"${s.portName}" ` : ''}${s.port}/${s.protocol}:`];
  out.push(`  scheduler: ${settings.scheduler} — ${DESCRIPTIONS[settings.scheduler]}.`);
  out.push(
    s.affinityTimeoutSeconds !== undefined
      ? `  session affinity: ClientIP — a client address keeps its endpoint for ${s.affinityTimeoutSeconds}s after its last new connection, and moves when that endpoint goes away.`
      : '  session affinity: none — each new connection is scheduled afresh.',
  );
  out.push(`  traffic policy: internal ${s.internalPolicyLocal ? 'Local' : 'Cluster'}, external ${s.externalPolicyLocal ? 'Local' : 'Cluster'}.`);
  if (settings.proxyProtocol) out.push(`  PROXY protocol ${settings.proxyProtocol}: each connection to an endpoint starts with a header giving the client's address.`);
  for (const problem of settings.problems) out.push(`  warning: ${problem}`);
  for (const { family, endpoints, addresses } of byFamily(p, nodePortIPs)) {
    const indent = family ? '    ' : '  ';
    if (family) out.push(`  ${family}:`);
    out.push(`${indent}endpoints (${endpoints.length}):`);
    if (!endpoints.length) out.push(`${indent}  none`);
    for (const e of endpoints) out.push(`${indent}  ${describeEndpoint(e, weightOf(e, settings.weights))}`);
    for (const a of addresses) out.push(`${indent}${describeAddress(s.protocol, a)}`);
    if (!addresses.length) out.push(`${indent}no addresses.`);
  }
  return out;
}

/** `ip:port`, an IPv6 address in brackets as URLs write it. */

function describeEndpoint(e: EndpointInfo, weight: number): string {
  const conditions = [e.ready ? 'ready' : 'not ready', e.serving ? 'serving' : 'not serving', ...(e.terminating ? ['terminating'] : [])];
  const where = e.nodeName ? `on ${e.nodeName}${e.isLocal ? ' (this node)' : ''}` : 'no node';
  return `${joinHostPort(e.ip, e.port)}  ${conditions.join(', ')}  ${where}${e.targetName ? `  ${e.targetName}` : ''}${weight !== 1 ? `  weight ${weight}` : ''}`;
}

function describeAddress(protocol: string, a: AddressPlan): string {
  const where = `${joinHostPort(a.ip, a.port)} (${a.kind})`;
  const listener = listenerKey(protocol, a.ip, a.port);
  switch (a.verdict) {
    case 'forward': {
      const set = a.local ? "this node's endpoints (traffic policy Local)" : 'endpoints cluster-wide';
      const terminating = a.endpoints.every((e) => !e.ready) ? ', none ready so serving-and-terminating ones are used' : '';
      return `${where}: listener ${listener} forwards to one of ${a.endpoints.length} ${set}${terminating}; a failed connect tries the next one.`;
    }
    case 'reject':
      return `${where}: refused at once — ${a.reason}; nothing listens there, so the kernel refuses the connection.`;
    case 'drop':
      return `${where}: dropped — ${a.reason}; listener ${listener} ${protocol === 'UDP' ? 'discards every datagram' : 'closes every connection it accepts'}.`;
  }
}

/** The modes whose rules explain can show. */
export const RULE_MODES = ['nftables', 'iptables'] as const;
export type RuleMode = (typeof RULE_MODES)[number];
export const isRuleMode = (m: string): m is RuleMode => (RULE_MODES as readonly string[]).includes(m);

export interface RulesOptions {
  /** The pod networks (the proxy's --cluster-cidr, one per family, comma-separated), as the
   *  rules are rendered with them. */
  clusterCIDR: string;
  masqueradeAll?: boolean;
}

const HOW_PACKETS_ENTER: Record<RuleMode, string> = {
  nftables: `nat-prerouting/nat-output jump to chain services, whose maps send each address below to its chain; the filter hooks look up @no-endpoint-* maps (reject or drop), and count each DNATed packet's bytes in the counter @endpoint-bytes names for its endpoint`,
  iptables: 'nat PREROUTING/OUTPUT jump to KUBE-SERVICES, node addresses on to KUBE-NODEPORTS; filter KUBE-SERVICES / KUBE-EXTERNAL-SERVICES reject or drop where no endpoint serves; filter INPUT/FORWARD/OUTPUT send DNATed packets to KUBE-ENDPOINT-BYTES, whose two rules count their bytes in the ipset tinykube-endpoints (one element per endpoint)',
};

/** Where a family's rules live: one table or tool per family, as kube-proxy's proxier per family. */
function rulesHome(mode: RuleMode, family: ProxyFamily): string {
  const v6 = family === IPV6;
  return mode === 'nftables' ? `its part of table ${v6 ? 'ip6' : 'ip'} ${DEFAULT_TABLE}` : `its ${v6 ? 'ip6tables' : 'iptables'} rules`;
}

/** The rules a kernel mode programs for the Service on this node, as the proxy renders them:
 *  a dual-stack Service's in each family's table, under that family's addresses. */
export function explainRules(state: ProxyState, namespace: string, name: string, mode: RuleMode, opts: RulesOptions): string {
  const nothing = nothingToShow(state, namespace, name);
  if (nothing) return nothing;
  const clusterIPs = [...state.ports.values()].find((p) => p.service.namespace === namespace && p.service.name === name)!.service.clusterIPs;
  const families = [...new Set(clusterIPs.map(familyOf))];
  const podCIDRs = opts.clusterCIDR.split(',').filter(Boolean);
  const sections = families.map((family, i) => {
    const podCIDR = podCIDRs.find((c) => familyOf(c) === family);
    const head = `Service ${namespace}/${name}: ${rulesHome(mode, family)} on node ${state.nodeName}`;
    if (!podCIDR) return `${head}: not shown, no ${family.name} pod network was given (--cluster-cidr).\n`;
    const render = { podCIDR, masqueradeAll: opts.masqueradeAll, family };
    const rules = mode === 'nftables' ? nftablesServiceRules(state, namespace, name, render) : iptablesServiceRules(state, namespace, name, render);
    const enter = i === 0 ? [`Packets enter through the shared chains: ${HOW_PACKETS_ENTER[mode]}.`] : [];
    return [`${head} (${mode} mode, pod network ${podCIDR}).`, ...enter, '', rules!].join('\n');
  });
  return sections.join('\n');
}
