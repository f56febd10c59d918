// The netns cluster network's names and addresses, all derived from a prefix and a node count
// (pure). Every namespace is named `${prefix}-…`, so a restart finds and removes leftovers.

import { createHash } from 'node:crypto';
import { formatCIDRText, cidrAddressAt, parseCIDR, subnetAt, type CIDR } from '../../util/cidr.js';

/** Where `ip netns exec NS` finds the files it bind-mounts over /etc (resolv.conf, hosts). */
export const ETC_NETNS = '/etc/netns';
/** Where `ip netns add` names a namespace (a bind mount of it). */
export const NETNS_RUN = '/run/netns';
export const UNDERLAY_CIDR = '172.20.0.0/24';
export const CLUSTER_CIDR = '10.244.0.0/16';
export const SERVICE_CIDR = '10.96.0.0/12';
export const DNS_IP = '10.96.0.10';
/** Dual-stack: the underlay's IPv6 side (unique local addresses, inside the namespaces only).
 *  Node i is fd00:20::(10+i), written with the same digits as its IPv4 172.20.0.(10+i). */
export const UNDERLAY_CIDR6 = 'fd00:20::/64';
export const CLIENT_IP6 = 'fd00:20::2';
export const LB_POOL6 = 'fd00:20::200-fd00:20::250';
/** The smallest pod CIDR a node gets in each family (kube-controller-manager's default
 *  --node-cidr-mask-size-ipv4/-ipv6); a smaller cluster CIDR gives each node 1/256 of it. */
const NODE_MASK = { IPv4: 24, IPv6: 64 } as const;
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

/** A node's addresses in one family. */
export interface FamilyNetwork {
  nodeIP: string;
  podCIDR: string;
  /** The address of cni0, every pod's default gateway. */
  gateway: string;
}

/** A node: its IPv4 side always (the underlay and the host's way in are IPv4), its IPv6 side
 *  when the cluster is dual-stack. */
export interface NodeNetwork extends FamilyNetwork {
  index: number;
  /** The node's namespace, also the Node's name. */
  ns: string;
  v6?: FamilyNetwork;
  /** IPv6 is the primary family (the cluster CIDRs name it first). */
  v6Primary?: true;
}

export interface ClusterNetworkSpec {
  prefix: string;
  nodes: number;
  /** Give the underlay HOST_GATEWAY_IP, routed to every pod CIDR (rootless network). */
  hostGateway?: boolean;
  /** One or two pod networks, an IPv4 one among them (default CLUSTER_CIDR); an IPv6 one makes
   *  the cluster dual-stack, primary family first. */
  clusterCIDRs?: readonly string[];
  /** One or two ClusterIP ranges (default SERVICE_CIDR); the DNS Service is the 10th address of
   *  the first, as kubeadm picks it. */
  serviceCIDRs?: readonly string[];
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
  /** The pod networks, primary family first. */
  clusterCIDRs: string[];
  lbPool: string;
  /** The ClusterIP ranges, primary family first. */
  serviceCIDRs: string[];
  /** The kube-dns ClusterIPs: the 10th address of each service CIDR, primary first (kubelet's --cluster-dns). */
  dnsIPs: string[];
  /** Dual-stack: the underlay's IPv6 side. */
  v6?: { clientIP: string; underlayCIDR: string; lbPool: string };
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

/** Node i's pod CIDR in a cluster CIDR: its i-th /24 (IPv4) or /64 (IPv6), or a 1/256 share of a
 *  smaller one. */
function nodePodCIDR(cluster: CIDR, i: number): string {
  const mask = Math.max(NODE_MASK[cluster.family], cluster.prefix + 8);
  const sub = mask <= (cluster.family === 'IPv4' ? 28 : 124) ? subnetAt(cluster, mask, i) : undefined;
  if (!sub) throw new Error(`cluster CIDR ${formatCIDRText(cluster)} is too small to give each node a pod CIDR`);
  return formatCIDRText(sub);
}

/** The cluster CIDRs as given, checked: one or two, of different families, IPv4 among them. */
export function parseClusterCIDRs(cidrs: readonly string[]): CIDR[] {
  const parsed = cidrs.map((c) => {
    const p = parseCIDR(c);
    if (!p) throw new Error(`cluster CIDR "${c}" is not a CIDR`);
    return p;
  });
  if (parsed.length < 1 || parsed.length > 2 || (parsed.length === 2 && parsed[0]!.family === parsed[1]!.family)) {
    throw new Error(`cluster CIDRs "${cidrs.join(',')}": give one, or two of different IP families`);
  }
  if (!parsed.some((p) => p.family === 'IPv4')) {
    throw new Error(`cluster CIDRs "${cidrs.join(',')}": the netns networks need an IPv4 pod network beside an IPv6 one (their underlay is IPv4)`);
  }
  return parsed;
}

/** Node i's network, the same in every process (a node agent derives its own from its index). */
export function nodeNetwork(prefix: string, i: number, clusterCIDRs: readonly string[] = [CLUSTER_CIDR]): NodeNetwork {
  const cidrs = parseClusterCIDRs(clusterCIDRs);
  const side = (c: CIDR, nodeIP: string): FamilyNetwork => {
    const podCIDR = nodePodCIDR(c, i);
    return { nodeIP, podCIDR, gateway: cidrAddressAt(parseCIDR(podCIDR)!, 1) };
  };
  const v4 = side(cidrs.find((c) => c.family === 'IPv4')!, `172.20.0.${NODE_IP_BASE + i}`);
  const c6 = cidrs.find((c) => c.family === 'IPv6');
  return {
    index: i,
    ns: nodeNs(prefix, i),
    ...v4,
    ...(c6 ? { v6: side(c6, `fd00:20::${NODE_IP_BASE + i}`) } : {}),
    ...(cidrs[0]!.family === 'IPv6' ? { v6Primary: true as const } : {}),
  };
}

/** A node's addresses, or pod CIDRs, primary family first (Node status.addresses, spec.podCIDRs). */
export function nodeIPs(n: NodeNetwork): string[] {
  return familyOrder(n).map((f) => f.nodeIP);
}

export function podCIDRs(n: NodeNetwork): string[] {
  return familyOrder(n).map((f) => f.podCIDR);
}

const familyOrder = (n: NodeNetwork): FamilyNetwork[] => (n.v6 ? (n.v6Primary ? [n.v6, n] : [n, n.v6]) : [n]);

export function planCluster(spec: ClusterNetworkSpec): ClusterPlan {
  const bad = validPrefix(spec.prefix);
  if (bad) throw new Error(bad);
  if (!Number.isInteger(spec.nodes) || spec.nodes < 1 || spec.nodes > MAX_NODES) {
    throw new Error(`invalid node count ${spec.nodes}: must be between 1 and ${MAX_NODES}`);
  }
  const clusterCIDRs = [...(spec.clusterCIDRs ?? [CLUSTER_CIDR])];
  const nodes = Array.from({ length: spec.nodes }, (_, k) => nodeNetwork(spec.prefix, k + 1, clusterCIDRs));
  const serviceCIDRs = [...(spec.serviceCIDRs ?? [SERVICE_CIDR])];
  const firstServiceCIDR = parseCIDR(serviceCIDRs[0] ?? '');
  if (!firstServiceCIDR) throw new Error(`service CIDR "${serviceCIDRs[0]}" is not a CIDR`);
  return {
    prefix: spec.prefix,
    nodes,
    underlayNs: underlayNs(spec.prefix),
    clientNs: clientNs(spec.prefix),
    clientIP: CLIENT_IP,
    ...(spec.hostGateway ? { hostGatewayIP: HOST_GATEWAY_IP } : {}),
    underlayCIDR: UNDERLAY_CIDR,
    clusterCIDRs,
    lbPool: LB_POOL,
    serviceCIDRs,
    dnsIPs: serviceCIDRs.map((c) => cidrAddressAt(parseCIDR(c)!, 10)),
    ...(nodes[0]!.v6
      ? { v6: { clientIP: CLIENT_IP6, underlayCIDR: UNDERLAY_CIDR6, lbPool: LB_POOL6 } }
      : {}),
  };
}
