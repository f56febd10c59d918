// Resource records as zone-file lines (`svc1.ns.svc.cluster.local. 5 IN A 10.0.0.1`): how the
// record tables in the DNS tests state answers.

import type { Answer } from 'dns-packet';

const fqdn = (name: string): string => (name.endsWith('.') ? name : `${name}.`);

export function zoneText(a: Answer): string {
  if (a.type === 'OPT') return `. OPT ${a.udpPayloadSize}`;
  const head = `${fqdn(a.name)} ${a.ttl ?? 0} ${a.class ?? 'IN'} ${a.type}`;
  switch (a.type) {
    case 'A':
    case 'AAAA':
      return `${head} ${a.data}`;
    case 'CNAME':
    case 'PTR':
    case 'NS':
      return `${head} ${fqdn(a.data)}`;
    case 'SRV':
      return `${head} ${a.data.priority ?? 0} ${a.data.weight ?? 0} ${a.data.port} ${fqdn(a.data.target)}`;
    case 'SOA': {
      const d = a.data;
      return `${head} ${fqdn(d.mname)} ${fqdn(d.rname)} ${d.serial} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}`;
    }
    case 'TXT': {
      const parts = Array.isArray(a.data) ? a.data : [a.data];
      return `${head} ${parts.map((p) => JSON.stringify(p.toString())).join(' ')}`;
    }
    default:
      return `${head} ${JSON.stringify((a as { data?: unknown }).data)}`;
  }
}
