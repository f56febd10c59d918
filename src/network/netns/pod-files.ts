// The files `ip netns exec POD` bind-mounts over /etc: resolv.conf and hosts, as the kubelet
// writes them for a pod (pure).

import type { Pod } from '../../apis/core/pods.js';
import { podResolvConf } from '../../dns/resolv-conf.js';

export interface PodFilesOptions {
  /** The pod's addresses, primary family first. */
  ips: string[];
  hostname: string;
  namespace: string;
  /** spec.subdomain: the hosts file then also names the pod's FQDN. */
  subdomain?: string;
  clusterDomain: string;
  dnsIPs: string[];
  /** The node's own resolv.conf (its search domains follow the cluster's). */
  hostResolvConf: string;
  /** The pod, when its dnsPolicy/dnsConfig should be honoured; ClusterFirst otherwise. */
  pod?: Pod;
}

export interface HostAlias {
  ip?: string;
  hostnames?: string[];
}

/** /etc/hosts as the kubelet manages it: localhost, the IPv6 names, the pod itself (a line per
 *  address), then the pod's spec.hostAliases, one line per address. */
export function podHosts(o: Pick<PodFilesOptions, 'ips' | 'hostname' | 'namespace' | 'subdomain' | 'clusterDomain'> & { hostAliases?: HostAlias[] }): string {
  const names = o.subdomain ? [`${o.hostname}.${o.subdomain}.${o.namespace}.svc.${o.clusterDomain}`, o.hostname] : [o.hostname];
  return [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
    ...o.ips.map((ip) => `${ip}\t${names.join('\t')}`),
    ...(o.hostAliases?.length ? ['', '# Entries added by HostAliases.', ...o.hostAliases.map((a) => `${a.ip ?? ''}\t${(a.hostnames ?? []).join('\t')}`)] : []),
    '',
  ].join('\n');
}

export function podFiles(o: PodFilesOptions): { 'resolv.conf': string; hosts: string } {
  const pod: Pod = o.pod ?? { metadata: { name: o.hostname, namespace: o.namespace } };
  return {
    'resolv.conf': podResolvConf(pod, { nameservers: o.dnsIPs, clusterDomain: o.clusterDomain, hostResolvConf: o.hostResolvConf }),
    hosts: podHosts({ ...o, hostAliases: o.pod?.spec?.hostAliases as HostAlias[] | undefined }),
  };
}
