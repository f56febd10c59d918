// Which UDP conntrack entries a sync makes stale (kube-proxy's conntrack cleanup). UDP has no
// connection end: an entry keeps sending a client's datagrams to the endpoint NAT chose first,
// even after that endpoint left or the rules changed, until the client stays quiet for the
// entry's timeout. Pure: (state applied before, state applied now) → the deletions to make.
//
// - an endpoint that served and no longer does: entries to each frontend of its service port
//   whose reply comes from it (`--orig-dst VIP --orig-port-dst PORT --reply-src EP`; for the
//   NodePort, any local address: `--orig-port-dst NODEPORT --reply-src EP`);
// - a service port going from no serving endpoint to some: every entry to its frontends, which
//   can only be ones that bypassed the DNAT while nothing served (they would black-hole it);
// - a frontend that went away (Service deleted, VIP or port changed): every entry to it.

import { isIPv6 } from 'node:net';
import type { EndpointInfo, ProxyState, ServicePortState } from '../state/types.js';

/** One `conntrack -D -p udp` filter; fields left out match anything. */
export interface ConntrackDeletion {
  origDst?: string;
  origPortDst: number;
  replySrc?: string;
}

/** conntrack's address family of a deletion (ipv4 unless an address says otherwise). */
export const familyOf = (d: ConntrackDeletion): 'ipv4' | 'ipv6' => ([d.origDst, d.replySrc].some((ip) => ip !== undefined && isIPv6(ip)) ? 'ipv6' : 'ipv4');

/** The conntrack(8) command for one deletion. */
export function conntrackArgs(d: ConntrackDeletion): string[] {
  return [
    'conntrack', '-D', ...(familyOf(d) === 'ipv6' ? ['-f', 'ipv6'] : []), '-p', 'udp',
    ...(d.origDst ? ['--orig-dst', d.origDst] : []),
    '--orig-port-dst', String(d.origPortDst),
    ...(d.replySrc ? ['--reply-src', d.replySrc] : []),
  ];
}

/** Frontends of a service port: `ip:port` of each VIP, and `:nodePort` for the NodePort. */
function frontends(sp: ServicePortState): Map<string, ConntrackDeletion> {
  const s = sp.service;
  const out = new Map<string, ConntrackDeletion>();
  for (const ip of [...s.clusterIPs, ...s.externalIPs, ...s.loadBalancerIPs]) out.set(`${ip}:${s.port}`, { origDst: ip, origPortDst: s.port });
  if (s.nodePort) out.set(`:${s.nodePort}`, { origPortDst: s.nodePort });
  return out;
}

const servingIPs = (eps: EndpointInfo[] | undefined): Set<string> => new Set((eps ?? []).filter((e) => e.serving).map((e) => e.ip));

export function planConntrackCleanup(prev: ProxyState, next: ProxyState): ConntrackDeletion[] {
  const out = new Map<string, ConntrackDeletion>();
  const add = (d: ConntrackDeletion): void => void out.set(conntrackArgs(d).join(' '), d);
  for (const [key, sp] of next.ports) {
    if (sp.service.protocol !== 'UDP') continue;
    const before = prev.ports.get(key);
    const was = servingIPs(before?.endpoints);
    const now = servingIPs(sp.endpoints);
    const fronts = frontends(sp);
    if (!was.size && now.size) for (const f of fronts.values()) add(f);
    if (!before) continue;
    const gone = [...was].filter((ip) => !now.has(ip));
    for (const [id, f] of frontends(before)) {
      if (!fronts.has(id)) add(f);
      else for (const ip of gone) add({ ...f, replySrc: ip });
    }
  }
  for (const [key, sp] of prev.ports) {
    if (sp.service.protocol === 'UDP' && !next.ports.has(key)) for (const f of frontends(sp).values()) add(f);
  }
  return [...out.keys()].sort().map((k) => out.get(k)!);
}

/** The parts of a listed UDP entry the filters look at. */
export interface ConntrackEntry {
  origDst: string;
  origPortDst: number;
  replySrc: string;
}

/**
 * `conntrack -L -p udp` lines → entries: the first src/dst/dport are the original direction,
 * the second src the reply's (the endpoint after DNAT).
 */
export function parseConntrackList(text: string): ConntrackEntry[] {
  const out: ConntrackEntry[] = [];
  for (const line of text.split('\n')) {
    const dst = /\bdst=(\S+)/.exec(line);
    const dport = /\bdport=(\d+)/.exec(line);
    const replySrc = [...line.matchAll(/\bsrc=(\S+)/g)][1];
    if (dst && dport && replySrc) out.push({ origDst: dst[1]!, origPortDst: Number(dport[1]), replySrc: replySrc[1]! });
  }
  return out;
}

/** Whether a deletion would delete this entry. */
export function matchesEntry(d: ConntrackDeletion, e: ConntrackEntry): boolean {
  return d.origPortDst === e.origPortDst && (d.origDst === undefined || d.origDst === e.origDst) && (d.replySrc === undefined || d.replySrc === e.replySrc);
}
