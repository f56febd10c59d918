// Maps a query name inside the cluster zone to what it asks for (CoreDNS plugin/kubernetes
// parse.go, as an idea). Names arrive lower-cased and without the trailing dot.
//
// Accepted forms, after the zone is trimmed:
//   (apex)                               the zone itself: SOA, NS
//   dns-version                          the schema version (TXT)
//   ns.dns                               the name server's own address
//   svc | pod                            a subtree with no records of its own (NODATA)
//   <ns>.svc | <ns>.pod                  a namespace (NODATA when it exists)
//   <service>.<ns>.svc                   a Service
//   <endpoint>.<service>.<ns>.svc        one endpoint of a Service, by hostname
//   _<port>._<proto>.<service>.<ns>.svc  a named port of a Service (SRV)
//   <a-b-c-d>.<ns>.pod                   a pod by its address
// Anything else in the zone does not exist (NXDOMAIN).

import { canonicalIP as canonicalAddress } from '../util/cidr.js';

export type RecordRequest =
  | { kind: 'apex' }
  | { kind: 'version' }
  | { kind: 'nameserver' }
  | { kind: 'subtree' }
  | { kind: 'namespace'; namespace: string }
  | { kind: 'service'; namespace: string; service: string; endpoint?: string; port?: string; protocol?: string }
  | { kind: 'pod'; namespace: string; pod: string }
  | { kind: 'invalid' };

/** `name` and `zone`: lower case, no trailing dot; `name` is the zone or below it. */
export function parseRequest(name: string, zone: string): RecordRequest {
  if (name === zone) return { kind: 'apex' };
  const base = name.slice(0, name.length - zone.length - 1);
  if (base === 'dns-version') return { kind: 'version' };
  if (base === 'ns.dns') return { kind: 'nameserver' };
  const labels = base.split('.');
  const tree = labels.pop()!;
  if (tree !== 'svc' && tree !== 'pod') return { kind: 'invalid' };
  const [namespace, target, ...rest] = labels.reverse();
  if (namespace === undefined) return { kind: 'subtree' };
  if (target === undefined) return { kind: 'namespace', namespace };
  if (tree === 'pod') return rest.length === 0 ? { kind: 'pod', namespace, pod: target } : { kind: 'invalid' };
  if (rest.length === 0) return { kind: 'service', namespace, service: target };
  if (rest.length === 1) return { kind: 'service', namespace, service: target, endpoint: rest[0] };
  if (rest.length === 2 && rest[0].startsWith('_') && rest[1].startsWith('_')) {
    return { kind: 'service', namespace, service: target, protocol: rest[0].slice(1), port: rest[1].slice(1) };
  }
  return { kind: 'invalid' };
}

/** The address a reverse name stands for (`4.3.2.1.in-addr.arpa` → `1.2.3.4`), if it is one. */
export function parseReverse(name: string): string | undefined {
  if (name.endsWith('.in-addr.arpa')) {
    const octets = name.slice(0, -'.in-addr.arpa'.length).split('.');
    if (octets.length !== 4 || !octets.every((o) => /^(0|[1-9]\d{0,2})$/.test(o) && Number(o) < 256)) return undefined;
    return octets.reverse().join('.');
  }
  if (name.endsWith('.ip6.arpa')) {
    const nibbles = name.slice(0, -'.ip6.arpa'.length).split('.');
    if (nibbles.length !== 32 || !nibbles.every((n) => /^[0-9a-f]$/.test(n))) return undefined;
    return canonicalIPv6(nibbles.reverse().join('').match(/.{4}/g)!.join(':'));
  }
  return undefined;
}

/**
 * RFC 5952 text of an IPv6 address (lower case, the longest run of zero groups as `::`), or
 * undefined when `text` is none: cluster IPs, endpoint addresses and reverse names all meet in
 * this form, so `fd00:0::A` in an EndpointSlice and its ip6.arpa name find each other.
 */
export function canonicalIPv6(text: string): string | undefined {
  const ip = canonicalAddress(text);
  return ip?.includes(':') ? ip : undefined;
}

/** An address as the DNS keeps it: IPv6 in canonical form, IPv4 as given. */
export const canonicalIP = (ip: string): string => (ip.includes(':') ? (canonicalIPv6(ip) ?? ip) : ip);

/**
 * The name of an endpoint without a hostname, as CoreDNS's endpointHostname: its address with
 * `.` or `:` as `-` (`10-244-1-5`, `fd00--5`), and `0` after a trailing `-` (`fd00::` →
 * `fd00--0`) since a label may not end in one.
 */
export function endpointHostname(ip: string): string {
  const name = ip.replace(/[.:]/g, '-');
  return name.endsWith('-') ? `${name}0` : name;
}
