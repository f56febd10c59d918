// The netns cluster network's names and addresses, all derived from a prefix and a node count
// (pure). Every namespace is named `${prefix}-…`, so a restart finds and removes leftovers.

import { createHash } from 'node:crypto';

/** Where `ip netns exec NS` finds the files it bind-mounts over /etc (resolv.conf, hosts). */
export const ETC_NETNS = '/etc/netns';
export const UNDERLAY_CIDR = '172.20.0.0/24';
export const CLUSTER_CIDR = '10.244.0.0/16';
export const SERVICE_CIDR = '10.96.0.0/12';
export const DNS_IP = '10.96.0.10';
/** LoadBalancer addresses: on the underlay /24, so the client reaches them by ARP. */
export const LB_POOL = '172.20.0.200-172.20.0.250';
export const CLIENT_IP = '172.20.0.2';
/** The host as the cluster sees it (rootless network): the underlay bridge's own address. */
export const HOST_GATEWAY_IP = '172.20.0.1';
/** The underlay bridge (in the underlay namespace) and each node's pod bridge. */
export const UNDERLAY_BRIDGE = 'br0';
export const POD_BRIDGE = 'cni0';
/** Node i's address is 172.20.0.(10+i), below the LoadBalancer pool. */
const NODE_IP_BASE = 10;
export const MAX_NODES = 189;

export interface NodeNetwork {
  index: number;
  /** The node's namespace, also the Node's name. */
  ns: string;
  nodeIP: string;
  podCIDR: string;
  /** The address of cni0, every pod's default gateway. */
  gateway: string;
}

export interface ClusterNetworkSpec {
  prefix: string;
  nodes: number;
  /** Give the underlay HOST_GATEWAY_IP, routed to every pod CIDR (rootless network). */
  hostGateway?: boolean;
}

export interface ClusterPlan {
  prefix: string;
  nodes: NodeNetwork[];
  underlayNs: string;
  clientNs: string;
  clientIP: string;
  /** HOST_GATEWAY_IP, when the underlay has it. */
  hostGatewayIP?: string;
  underlayCIDR: string;
  clusterCIDR: string;
  lbPool: string;
  serviceCIDR: typeof SERVICE_CIDR;
  dnsIP: typeof DNS_IP;
}

export const nodeNs = (prefix: string, i: number): string => `${prefix}-node-${i}`;
export const underlayNs = (prefix: string): string => `${prefix}-underlay`;
export const clientNs = (prefix: string): string => `${prefix}-client`;

/** A pod's namespace: the first 12 hex digits of its uid. */
export function podNs(prefix: string, uid: string): string {
  return `${prefix}-pod-${uid.replace(/-/g, '').toLowerCase().slice(0, 12)}`;
}

/** The node side of a pod's veth: `tkv` + 10 hex digits of a hash of the uid (IFNAMSIZ allows 15). */
export function podVeth(uid: string): string {
  return `tkv${createHash('sha256').update(uid).digest('hex').slice(0, 10)}`;
}

/** The underlay bridge's port toward node i (or the client), inside the underlay namespace. */
export const underlayPort = (i: number | 'client'): string => (i === 'client' ? 'client' : `node${i}`);

/** Whether a namespace (or /etc/netns entry) is one this network makes for `prefix`: other names
 *  sharing the prefix (another tool's `tinykube-test-…`) are left alone. */
export function ownedBy(prefix: string, name: string): boolean {
  if (!name.startsWith(`${prefix}-`)) return false;
  return /^(underlay|client|node-\d+|pod-[0-9a-f]{12})$/.test(name.slice(prefix.length + 1));
}

export function validPrefix(prefix: string): string | undefined {
  if (!/^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/.test(prefix)) return `invalid network prefix "${prefix}": lowercase letters, digits and '-', at most 40 characters`;
  return undefined;
}

/** Node i's network, the same in every process (a node agent derives its own from its index). */
export function nodeNetwork(prefix: string, i: number): NodeNetwork {
  return { index: i, ns: nodeNs(prefix, i), nodeIP: `172.20.0.${NODE_IP_BASE + i}`, podCIDR: `10.244.${i}.0/24`, gateway: `10.244.${i}.1` };
}

export function planCluster(spec: ClusterNetworkSpec): ClusterPlan {
  const bad = validPrefix(spec.prefix);
  if (bad) throw new Error(bad);
  if (!Number.isInteger(spec.nodes) || spec.nodes < 1 || spec.nodes > MAX_NODES) {
    throw new Error(`invalid node count ${spec.nodes}: must be between 1 and ${MAX_NODES}`);
  }
  const nodes = Array.from({ length: spec.nodes }, (_, k) => nodeNetwork(spec.prefix, k + 1));
  return {
    prefix: spec.prefix,
    nodes,
    underlayNs: underlayNs(spec.prefix),
    clientNs: clientNs(spec.prefix),
    clientIP: CLIENT_IP,
    ...(spec.hostGateway ? { hostGatewayIP: HOST_GATEWAY_IP } : {}),
    underlayCIDR: UNDERLAY_CIDR,
    clusterCIDR: CLUSTER_CIDR,
    lbPool: LB_POOL,
    serviceCIDR: SERVICE_CIDR,
    dnsIP: DNS_IP,
  };
}
