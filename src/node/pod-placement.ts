// Where a pod lives as seen from the machine that serves its logs and exec: the data dir its
// node agent keeps its files in, and the network namespace its processes run in. One agent in
// the API server's process (loopback) keeps every pod in one data dir on the host's network;
// netns nodes each keep their own data dir, and each pod has its own namespace.

import type { Pod } from '../apis/core/pods.js';
import { hostTool } from './runtime/host-tool.js';

export interface PodPlacement {
  dataDir(pod: Pod): string;
  /** The pod's network namespace; none: the host's. */
  netns(pod: Pod): string | undefined;
  /** A node's network namespace, where its kubelet port listens; none: reachable from here. */
  nodeNetns?(nodeName: string): string | undefined;
}

export const singleHost = (dataDir: string): PodPlacement => ({ dataDir: () => dataDir, netns: () => undefined });

/** The argv that runs `argv` inside network namespace `ns` (iproute2's `ip netns exec`, which
 *  execs the command: same pid and process group, and /etc/netns/NS files over /etc). */
export function inNetns(ns: string | undefined, argv: string[]): string[] {
  return ns ? [hostTool('ip'), 'netns', 'exec', ns, ...argv] : argv;
}

/** The node agent's side of a pod's network: set up before its containers start, torn down
 *  after its last process has exited. */
export interface PodNetwork {
  /** Gives the pod `ips` (one per family, primary first); returns the network namespace its
   *  processes run in, none: the host's. */
  setUp(pod: Pod, ips: string[]): Promise<string | undefined>;
  tearDown(pod: Pod): Promise<void>;
}

/** Loopback: a pod is its IP on the host's lo, nothing to set up. */
export const hostNetwork: PodNetwork = { setUp: async () => undefined, tearDown: async () => undefined };
