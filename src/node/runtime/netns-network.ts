// PodNetwork for the netns network: each pod gets its own network namespace wired to this
// node's cni0 (src/network/netns/sandbox.ts), with resolv.conf and hosts of its own.

import { isIPv6 } from 'node:net';
import type { Pod } from '../../apis/core/pods.js';
import { IpBatchingExecer } from '../../network/netns/ip-batching-execer.js';
import { createPodSandbox, deletePodSandbox } from '../../network/netns/sandbox.js';
import type { NodeNetwork } from '../../network/netns/names.js';
import { SpawnHelperExecer } from '../../util/spawn-helper.js';
import type { PodNetwork } from '../pod-placement.js';

export interface NetnsNetworkOptions {
  prefix: string;
  node: NodeNetwork;
  clusterDomain: string;
  /** The cluster DNS addresses, one per family. */
  dnsIPs: string[];
}

export function netnsPodNetwork(o: NetnsNetworkOptions): PodNetwork {
  // The sandboxes' `ip` processes are started by a small helper, not forked from the agent, and
  // pods set up together make their node-side links in one `ip`.
  const exec = new IpBatchingExecer(new SpawnHelperExecer());
  return {
    async setUp(pod: Pod, ips: string[]) {
      const ip6 = ips.find((ip) => isIPv6(ip));
      const { ns } = await createPodSandbox({
        prefix: o.prefix,
        node: o.node,
        uid: pod.metadata.uid!,
        ip: ips.find((ip) => !isIPv6(ip))!,
        ...(ip6 ? { ip6 } : {}),
        hostname: (pod.spec?.hostname as string | undefined) ?? pod.metadata.name!,
        namespace: pod.metadata.namespace!,
        subdomain: pod.spec?.subdomain as string | undefined,
        clusterDomain: o.clusterDomain,
        dnsIPs: o.dnsIPs,
        pod,
      }, exec);
      return ns;
    },
    tearDown: (pod: Pod) => deletePodSandbox(o.prefix, pod.metadata.uid!, exec),
  };
}
