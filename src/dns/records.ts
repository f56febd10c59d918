// The Kubernetes DNS specification (kubernetes/dns docs/specification.md) as a pure function:
// a question and the cluster view in, the sections of the reply out. Sockets, upstreams and
// caches live elsewhere (handler.ts); this file decides what exists.
//
// NXDOMAIN versus NODATA follows CoreDNS: a name that does not exist is NXDOMAIN; a name that
// exists but has no record of the asked type is NOERROR with no answer. Both carry the zone's
// SOA in the authority section so resolvers can cache the negative answer.

import type { Answer } from 'dns-packet';
import type { Backend } from './cache.js';
import type { DnsEndpoint, DnsPort, DnsService } from './objects.js';
import { canonicalIPv6, endpointHostname, parseRequest, parseReverse, type RecordRequest } from './parse.js';

export const SCHEMA_VERSION = '1.1.0';
const VERSION_TTL = 28800;
/** ExternalName Services pointing at each other inside the zone: follow this many. */
const MAX_CNAME_CHAIN = 8;

export interface RecordsConfig {
  /** The cluster domain, lower case, no trailing dot. */
  zone: string;
  ttl: number;
  /** The cluster DNS Service's addresses: the zone's name server. */
  nameservers: string[];
  /** Reverse zones of the service and pod CIDRs (reverse-zones.ts), answered here with
   *  authority; reverse names elsewhere that no Service knows are forwarded. */
  reverseZones?: string[];
}

export type Rcode = 'NOERROR' | 'FORMERR' | 'SERVFAIL' | 'NXDOMAIN' | 'NOTIMP' | 'REFUSED';

export interface Reply {
  rcode: Rcode;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
  /** The last CNAME target lies outside the zone: the caller asks upstream for it. */
  chase?: string;
}

export interface Question {
  name: string;
  type: string;
}

/** The reply for a question, or undefined when the question is not ours (forward it). */
export function answer(b: Backend, q: Question, c: RecordsConfig): Reply | undefined {
  const name = q.name.toLowerCase().replace(/\.$/, '');
  const ip = parseReverse(name);
  const reverseZone = c.reverseZones?.find((z) => name === z || name.endsWith(`.${z}`));
  if (reverseZone !== undefined) return b.hasSynced() ? inReverseZone(b, q, name, ip, reverseZone, c) : reply('SERVFAIL', []);
  if (ip !== undefined) return q.type === 'PTR' && b.hasSynced() ? reverse(b, q, ip, c) : undefined;
  if (name !== c.zone && !name.endsWith(`.${c.zone}`)) return undefined;
  if (!b.hasSynced()) return reply('SERVFAIL', []);
  return inZone(b, q, parseRequest(name, c.zone), c, 0);
}

function inZone(b: Backend, q: Question, req: RecordRequest, c: RecordsConfig, depth: number): Reply {
  const rr = (type: string, data: unknown, ttl = c.ttl): Answer => ({ name: q.name, type, ttl, class: 'IN', data }) as Answer;
  const noData = (): Reply => reply('NOERROR', [], [soa(b, c)]);
  const noName = (): Reply => reply('NXDOMAIN', [], [soa(b, c)]);
  const orNoData = (answers: Answer[], additionals: Answer[] = []): Reply =>
    answers.length ? reply('NOERROR', answers, [], additionals) : noData();

  switch (req.kind) {
    case 'apex':
      if (q.type === 'SOA') return reply('NOERROR', [{ ...soa(b, c), name: q.name }]);
      if (q.type === 'NS') return reply('NOERROR', [rr('NS', `ns.dns.${c.zone}`)], [], addresses(`ns.dns.${c.zone}`, c.nameservers, c.ttl));
      return noData();
    case 'version':
      return q.type === 'TXT' ? reply('NOERROR', [rr('TXT', SCHEMA_VERSION, VERSION_TTL)]) : noData();
    case 'nameserver':
      return orNoData(addresses(q.name, c.nameservers, c.ttl, q.type));
    case 'subtree':
      return noData();
    case 'namespace':
      return b.namespaceExists(req.namespace) ? noData() : noName();
    case 'pod': {
      const ip = podIP(req.pod);
      if (!ip || !b.namespaceExists(req.namespace)) return noName();
      return orNoData(addresses(q.name, [ip], c.ttl, q.type));
    }
    case 'invalid':
      return noName();
    case 'service':
      break;
  }

  const svc = b.service(req.namespace, req.service);
  if (!svc) return noName();
  const svcName = `${req.service}.${req.namespace}.svc.${c.zone}`;

  if (svc.mode === 'ExternalName') {
    if (req.endpoint !== undefined || req.port !== undefined || !svc.externalName) return noName();
    if (q.type === 'SRV') return noData(); // as CoreDNS: no SRV for external names
    const cname = rr('CNAME', svc.externalName);
    if (q.type !== 'A' && q.type !== 'AAAA') return reply('NOERROR', [cname]);
    const target = svc.externalName;
    if (target !== c.zone && !target.endsWith(`.${c.zone}`)) return { ...reply('NOERROR', [cname]), chase: target };
    if (depth >= MAX_CNAME_CHAIN) return reply('SERVFAIL', [cname]);
    const next = inZone(b, { name: target, type: q.type }, parseRequest(target, c.zone), c, depth + 1);
    return { ...next, answers: [cname, ...next.answers] };
  }

  // Addresses answer for a ClusterIP Service by name; endpoints answer for headless Services
  // and for names of single endpoints.
  const byEndpoints = svc.mode === 'Headless' || req.endpoint !== undefined;
  const ports = (list: DnsPort[]): DnsPort[] =>
    list.filter((p) => (req.port === undefined || p.name === req.port) && (req.protocol === undefined || p.protocol === req.protocol));

  if (!byEndpoints) {
    const matched = ports(svc.ports);
    if (req.port !== undefined && matched.length === 0) return noName();
    if (q.type === 'SRV') {
      const answers = matched.map((p) => rr('SRV', { priority: 0, weight: weight(matched.length), port: p.port, target: svcName }));
      return orNoData(answers, addresses(svcName, svc.clusterIPs, c.ttl));
    }
    return orNoData(addresses(q.name, svc.clusterIPs, c.ttl, q.type));
  }

  const members = endpointsOf(b, svc).flatMap(({ endpoint, ports: slicePorts }) => {
    // A slice without ports serves every port, but names none for SRV.
    const matched = ports(slicePorts);
    if (req.port !== undefined && matched.length === 0) return [];
    return endpoint.addresses
      .map((ip) => ({ ip, host: endpoint.hostname || endpointHostname(ip), ports: matched }))
      .filter((m) => req.endpoint === undefined || m.host === req.endpoint);
  });
  if (members.length === 0) return noName(); // spec 2.4.1: a headless Service without ready endpoints
  if (q.type === 'SRV') {
    const srv = members.flatMap((m) => m.ports.map((p) => ({ m, p })));
    const answers = srv.map(({ m, p }) =>
      rr('SRV', { priority: 0, weight: weight(srv.length), port: p.port, target: `${m.host}.${svcName}` }),
    );
    return orNoData(dedup(answers), dedup(srv.flatMap(({ m }) => addresses(`${m.host}.${svcName}`, [m.ip], c.ttl))));
  }
  return orNoData(dedup(addresses(q.name, members.map((m) => m.ip), c.ttl, q.type)));
}

/**
 * A name in the reverse zone of a cluster CIDR, as CoreDNS without fallthrough there: the
 * zone's SOA at its apex, PTR for addresses the cluster knows, NODATA for their other types,
 * and NXDOMAIN (with this zone's SOA) for the rest: no one upstream knows these addresses.
 */
function inReverseZone(b: Backend, q: Question, name: string, ip: string | undefined, zone: string, c: RecordsConfig): Reply {
  const zoneSOA = soa(b, c, zone);
  if (name === zone) return q.type === 'SOA' ? reply('NOERROR', [{ ...zoneSOA, name: q.name }]) : reply('NOERROR', [], [zoneSOA]);
  const known = ip === undefined ? undefined : reverse(b, q, ip, c);
  if (!known) return reply('NXDOMAIN', [], [zoneSOA]);
  return q.type === 'PTR' ? known : reply('NOERROR', [], [zoneSOA]);
}

/** PTR for a cluster IP (the Service's name) or an endpoint address (its hostname under the Service). */
function reverse(b: Backend, q: Question, ip: string, c: RecordsConfig): Reply | undefined {
  const targets = b.servicesByIP(ip).flatMap((svc) => {
    const svcName = `${svc.metadata.name}.${svc.metadata.namespace}.svc.${c.zone}`;
    if (svc.clusterIPs.includes(ip)) return [svcName];
    return endpointsOf(b, svc)
      .filter(({ endpoint }) => endpoint.addresses.includes(ip))
      .map(({ endpoint }) => `${endpoint.hostname || endpointHostname(ip)}.${svcName}`);
  });
  if (targets.length === 0) return undefined; // not a cluster address: upstream may know it
  return reply(
    'NOERROR',
    dedup(targets.map((t) => ({ name: q.name, type: 'PTR', ttl: c.ttl, class: 'IN', data: t }) as Answer)),
  );
}

/** The endpoints DNS publishes: ready ones, and the others too with publishNotReadyAddresses. */
function endpointsOf(b: Backend, svc: DnsService): { endpoint: DnsEndpoint; ports: DnsPort[] }[] {
  return b
    .slices(svc.metadata.namespace!, svc.metadata.name!)
    .flatMap((s) => s.endpoints.filter((e) => e.ready || svc.publishNotReadyAddresses).map((endpoint) => ({ endpoint, ports: s.ports })));
}

/** The SOA of the cluster zone, or of a reverse zone (named after it as CoreDNS does). */
function soa(b: Backend, c: RecordsConfig, zone = c.zone): Answer {
  return {
    name: zone,
    type: 'SOA',
    ttl: c.ttl,
    class: 'IN',
    data: {
      mname: `ns.dns.${zone}`,
      rname: `hostmaster.${zone}`,
      serial: b.serial(),
      refresh: 7200,
      retry: 1800,
      expire: 86400,
      minimum: c.ttl,
    },
  };
}

/** A and AAAA records for the addresses (additional sections carry both families); with
 *  `type`, only those of the asked family, so an A question for a v6-only name is NODATA. */
function addresses(name: string, ips: string[], ttl: number, type?: string): Answer[] {
  if (type !== undefined && type !== 'A' && type !== 'AAAA') return [];
  const out: Answer[] = [];
  for (const ip of ips) {
    const rrType = family(ip);
    if (type === undefined || rrType === type) out.push({ name, type: rrType, ttl, class: 'IN', data: ip } as Answer);
  }
  return out;
}

const family = (ip: string): 'A' | 'AAAA' => (ip.includes(':') ? 'AAAA' : 'A');

/** RFC 2782 weights: equal shares of 100 among records of the same priority. */
const weight = (n: number): number => Math.floor(100 / n);

/** `10-244-1-5` → `10.244.1.5`; `fd00--1` → `fd00::1` (CoreDNS `pods insecure`). */
function podIP(label: string): string | undefined {
  const v4 = label.split('-');
  if (v4.length === 4 && v4.every((o) => /^(0|[1-9]\d{0,2})$/.test(o) && Number(o) < 256)) return v4.join('.');
  return /^[0-9a-f-]+$/.test(label) ? canonicalIPv6(label.replace(/-/g, ':')) : undefined;
}

function dedup(answers: Answer[]): Answer[] {
  const seen = new Set<string>();
  return answers.filter((a) => {
    const key = `${a.name.toLowerCase()}|${a.type}|${JSON.stringify((a as { data?: unknown }).data)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const reply = (rcode: Rcode, answers: Answer[], authorities: Answer[] = [], additionals: Answer[] = []): Reply => ({
  rcode,
  answers,
  authorities,
  additionals,
});
