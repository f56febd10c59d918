// resolv.conf: reading the host's (upstreams for forwarding, the Default policy) and writing a
// pod's from its dnsPolicy and dnsConfig, as the kubelet does (pkg/kubelet/network/dns).

import type { Pod } from '../apis/core/pods.js';

export interface ResolvConf {
  nameservers: string[];
  searches: string[];
  /** `ndots:5`, `edns0`, ... */
  options: string[];
}

/** The kubelet's limits: more would be ignored by the C library anyway. */
const MAX_NAMESERVERS = 3;
const MAX_SEARCHES = 32;

export function parseResolvConf(text: string): ResolvConf {
  const conf: ResolvConf = { nameservers: [], searches: [], options: [] };
  for (const line of text.split('\n')) {
    const [key, ...values] = line.replace(/[#;].*/, '').trim().split(/\s+/);
    if (key === 'nameserver' && values[0]) conf.nameservers.push(values[0]);
    else if (key === 'search' || key === 'domain') conf.searches = values; // the last one wins, as in glibc
    else if (key === 'options') conf.options.push(...values);
  }
  return conf;
}

interface PodDNSConfig {
  nameservers?: string[];
  searches?: string[];
  options?: { name: string; value?: string }[];
}

export interface PodResolvOptions {
  /** The cluster DNS Service's addresses (every `--cluster-dns`, as the kubelet writes them). */
  nameservers: string[];
  clusterDomain: string;
  /** The node's own resolv.conf text. */
  hostResolvConf: string;
}

/** The resolv.conf a pod gets for its dnsPolicy, with its dnsConfig merged in. */
export function podResolvConf(pod: Pod, o: PodResolvOptions): string {
  const spec = pod.spec ?? {};
  const policy = spec.dnsPolicy || 'ClusterFirst';
  const host = parseResolvConf(o.hostResolvConf);
  // ClusterFirst falls back to the node's resolver for host-network pods; ClusterFirstWithHostNet does not.
  const cluster = policy === 'ClusterFirstWithHostNet' || (policy === 'ClusterFirst' && spec.hostNetwork !== true);
  let conf: ResolvConf;
  if (policy === 'None') conf = { nameservers: [], searches: [], options: [] };
  else if (cluster) {
    const ns = pod.metadata.namespace ?? 'default';
    const zone = o.clusterDomain;
    conf = { nameservers: [...o.nameservers], searches: [`${ns}.svc.${zone}`, `svc.${zone}`, zone, ...host.searches], options: ['ndots:5'] };
  } else conf = host;

  const extra = (spec.dnsConfig ?? {}) as PodDNSConfig;
  const options = new Map(conf.options.map((opt) => [opt.split(':')[0], opt]));
  for (const opt of extra.options ?? []) options.set(opt.name, opt.value !== undefined ? `${opt.name}:${opt.value}` : opt.name);
  const nameservers = [...new Set([...conf.nameservers, ...(extra.nameservers ?? [])])].slice(0, MAX_NAMESERVERS);
  const searches = [...new Set([...conf.searches, ...(extra.searches ?? [])])].slice(0, MAX_SEARCHES);

  const lines: string[] = [];
  if (searches.length) lines.push(`search ${searches.join(' ')}`);
  for (const ns of nameservers) lines.push(`nameserver ${ns}`);
  if (options.size) lines.push(`options ${[...options.values()].join(' ')}`);
  return lines.join('\n') + '\n';
}
