// The `ip` commands that build the netns cluster network and a pod's sandbox (pure; the effects
// in cluster.ts and sandbox.ts run them). Each namespace is configured by one `ip -n NS -batch -`
// so that a whole node costs one process, not one per link or address.

import { NETNS_RUN, POD_BRIDGE, UNDERLAY_BRIDGE, podNs, podVeth, underlayPort, type ClusterPlan, type NodeNetwork } from './names.js';

/** One command; `stdin` feeds `ip -batch -`. */
export interface Command {
  argv: string[];
  stdin?: string;
}

const batch = (ns: string | undefined, lines: string[]): Command => ({
  argv: ns ? ['ip', '-n', ns, '-batch', '-'] : ['ip', '-batch', '-'],
  stdin: lines.join('\n') + '\n',
});

const sysctl = (ns: string, settings: string[]): Command => ({ argv: ['ip', 'netns', 'exec', ns, 'sysctl', '-q', '-w', ...settings] });

/** cni0's MAC, fixed and derived from its address (0a:58 + the IPv4 octets, as CNI plugins do):
 *  a bridge without a set address takes its lowest port's, so it would change as pods come and
 *  go and leave the pods' ARP entry for their gateway stale. */
export function gatewayMac(gateway: string): string {
  return ['0a', '58', ...gateway.split('.').map((o) => Number(o).toString(16).padStart(2, '0'))].join(':');
}

/** IPv6 addresses go on with `nodad`: these links are ours alone, and duplicate address detection
 *  would leave each address unusable ("tentative") for a second or two. */
const addr6 = (ip: string, len: number, dev: string): string => `addr add ${ip}/${len} dev ${dev} nodad`;

/** The same for the link-local addresses the kernel gives every link: a node forwarding a pod's
 *  packet solicits its next hop from its link-local address, and while that is tentative the
 *  first packets of every flow wait about 2 s. Set in a namespace before its links are made. */
const noDad = ['all', 'default'].map((d) => `net.ipv6.conf.${d}.accept_dad=0`);

/** The prefix length of the underlay CIDR (`172.20.0.0/24` → 24). */
const lengthOf = (cidr: string): number => Number(cidr.slice(cidr.indexOf('/') + 1));

export function clusterCommands(plan: ClusterPlan): Command[] {
  const { nodes, underlayNs, clientNs, clientIP, hostGatewayIP, v6 } = plan;
  const u6 = v6 && lengthOf(v6.underlayCIDR);
  const peers: [port: string, ns: string][] = [...nodes.map((n): [string, string] => [underlayPort(n.index), n.ns]), [underlayPort('client'), clientNs]];
  return [
    batch(undefined, [underlayNs, ...nodes.map((n) => n.ns), clientNs].map((ns) => `netns add ${ns}`)),
    // Before any link exists, so every link made in them inherits it (see noDad).
    ...(v6 ? [...nodes.map((n) => n.ns), clientNs].map((ns) => sysctl(ns, noDad)) : []),
    // The underlay is a bridge in a namespace of its own: the host's namespace gets nothing.
    batch(underlayNs, [
      'link set lo up',
      `link add ${UNDERLAY_BRIDGE} type bridge`,
      `link set ${UNDERLAY_BRIDGE} up`,
      ...peers.flatMap(([port, ns]) => [`link add ${port} type veth peer name eth0 netns ${ns}`, `link set ${port} master ${UNDERLAY_BRIDGE} up`]),
      // The host's side (rootless): an address on the bridge itself, and the way back to pods.
      ...(hostGatewayIP ? [`addr add ${hostGatewayIP}/24 dev ${UNDERLAY_BRIDGE}`, ...nodes.map((n) => `route add ${n.podCIDR} via ${n.nodeIP}`)] : []),
    ]),
    ...nodes.flatMap((n) => [
      batch(n.ns, [
        'link set lo up',
        `addr add ${n.nodeIP}/24 dev eth0`,
        'link set eth0 up',
        `link add ${POD_BRIDGE} address ${gatewayMac(n.gateway)} type bridge`,
        `addr add ${n.gateway}/24 dev ${POD_BRIDGE}`,
        ...(n.v6 ? [addr6(n.v6.nodeIP, u6!, 'eth0'), addr6(n.v6.gateway, lengthOf(n.v6.podCIDR), POD_BRIDGE)] : []),
        `link set ${POD_BRIDGE} up`,
        // host-gw: every other node's pods are behind that node's underlay address.
        ...nodes.filter((o) => o !== n).map((o) => `route add ${o.podCIDR} via ${o.nodeIP} dev eth0`),
        ...(n.v6 ? nodes.filter((o) => o !== n).map((o) => `route add ${o.v6!.podCIDR} via ${o.v6!.nodeIP} dev eth0`) : []),
        // A default route, as real nodes have (toward the outside client, the underlay's only
        // other host): a Service address without endpoints is then routed to the filter hooks,
        // whose REJECT answers "connection refused", instead of failing routing (net unreachable).
        `route add default via ${clientIP} dev eth0`,
        ...(v6 ? [`route add default via ${v6.clientIP} dev eth0`] : []),
      ]),
      // Pods have /32 addresses and reach even their neighbours through the node (see podCommands),
      // so the node forwards out of cni0 what came in on cni0: without this it would also send ICMP
      // redirects telling the pod to go direct, bypassing the node's conntrack and DNAT. (IPv6 has
      // no send_redirects switch: the pods ignore redirects instead.)
      sysctl(n.ns, [
        'net.ipv4.ip_forward=1',
        ...['all', 'default', POD_BRIDGE].map((d) => `net.ipv4.conf.${d}.send_redirects=0`),
        ...(n.v6 ? ['net.ipv6.conf.all.forwarding=1'] : []),
      ]),
    ]),
    // The outside user: on the underlay only, no route to pods or Services.
    batch(clientNs, ['link set lo up', `addr add ${clientIP}/24 dev eth0`, ...(v6 ? [addr6(v6.clientIP, u6!, 'eth0')] : []), 'link set eth0 up']),
  ];
}

export interface PodNetwork {
  prefix: string;
  node: NodeNetwork;
  uid: string;
  /** The pod's IPv4 address. */
  ip: string;
  /** Its IPv6 address, on a dual-stack node. */
  ip6?: string;
}

/**
 * A pod's sandbox: its namespace, a veth from the node's cni0 to its eth0, lo up — in two `ip`
 * processes for an IPv4 pod (four dual-stack), as a pod start must not cost a process storm.
 *
 * The pod's address is a /32 with the node's cni0 address as an on-link gateway, so every packet,
 * even to a pod on the same bridge, goes through the node's IP stack. There kube-proxy's rules and
 * conntrack see both directions of DNATed traffic, and hairpin (a pod reaching itself through a
 * Service) works without br_netfilter. The node sends no IPv4 redirects (clusterCommands), so the
 * pod needs no switch against them. IPv6 the same way: a /128 with cni0's IPv6 address as the
 * on-link gateway; IPv6 has no send_redirects switch, so there the pod ignores redirects.
 */
export function podCommands(p: PodNetwork): Command[] {
  const ns = podNs(p.prefix, p.uid);
  const veth = podVeth(p.uid);
  const gw = p.node.gateway;
  const gw6 = p.ip6 && p.node.v6?.gateway;
  // Dual-stack: the namespace first, to switch DAD and redirects off before its eth0 exists
  // (`default` is what new links inherit).
  const v6First: Command[] = gw6
    ? [{ argv: ['ip', 'netns', 'add', ns] }, sysctl(ns, [...noDad, ...['all', 'default'].flatMap((d) => [`net.ipv4.conf.${d}.accept_redirects=0`, `net.ipv6.conf.${d}.accept_redirects=0`])])]
    : [];
  return [
    ...v6First,
    // In the node's namespace (nsenter --net keeps the caller's mount namespace, where the new
    // name must be made: `ip -n` would make it in a private one). `netns add` returns ip to the
    // node's namespace, and the veth is made with its peer already in the pod's, plugged into
    // cni0 and up. Hairpin on the bridge port (kubelet's hairpin-veth): where br_netfilter is
    // loaded, a pod's packet to a Service DNATed back to itself is bridged, and must leave by the
    // port it came in.
    {
      argv: ['nsenter', `--net=${NETNS_RUN}/${p.node.ns}`, '--', 'ip', '-batch', '-'],
      stdin: [...(gw6 ? [] : [`netns add ${ns}`]), `link add ${veth} master ${POD_BRIDGE} up type veth peer name eth0 netns ${ns}`, `link set ${veth} type bridge_slave hairpin on`, ''].join('\n'),
    },
    batch(ns, [
      'link set lo up',
      `addr add ${p.ip}/32 dev eth0`,
      ...(gw6 ? [addr6(p.ip6!, 128, 'eth0')] : []),
      'link set eth0 up',
      `route add ${gw} dev eth0 scope link`,
      `route add default via ${gw} dev eth0`,
      ...(gw6 ? [`route add ${gw6} dev eth0`, `route add default via ${gw6} dev eth0`] : []),
    ]),
  ];
}
