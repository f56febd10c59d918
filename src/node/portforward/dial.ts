// Connecting to a pod's port for a port-forward, as kubelet does: inside the pod's network
// namespace when it has one (a socket connected there by this process's netns socket helper and
// handed over, as dockershim ran socat under nsenter but without a process per connection),
// else straight to its IP (loopback pods are addresses on the host's lo). The pod IP rather than
// localhost: built-in servers listen on the pod IP. A failure is worded as kubelet words it, so
// kubectl prints `error forwarding port 80 to pod …: … connection refused`.

import net from 'node:net';
import type { Duplex } from 'node:stream';
import { errnoText } from '../../util/errno-text.js';
import type { Pod } from '../../apis/core/pods.js';
import { R, type Client } from '../../client/client.js';
import { NETNS_RUN } from '../../network/netns/names.js';
import { NetnsSockets } from '../../network/netns/netns-sockets.js';
import { SocketBroker } from '../../network/rootless/socket-broker.js';
import type { PodPlacement } from '../pod-placement.js';

export interface Location {
  scheme: 'http' | 'https';
  ip: string;
  port: number;
  /** The pod behind the address, when known (the dialer may need its network namespace). */
  pod?: { namespace: string; name: string };
  /** The node whose kubelet port this is (nodes/proxy), likewise. */
  node?: string;
}

/** Opens a TCP connection to a location (from wherever its pod's network is reachable). */
export type Dialer = (loc: Location) => Promise<Duplex>;

export interface PortTarget {
  podName: string;
  podUID: string;
  podIP: string;
  /** The pod's network namespace; none: its IP is reachable from here. */
  netns?: string;
}

export function forwardError(t: PortTarget, port: number, why: string): string {
  return `error forwarding port ${port} to pod ${t.podName}, uid ${t.podUID}: ${why}`;
}

/** kubelet's text for a connection to the pod that failed (to connect, or later). */
export function dialFailure(t: PortTarget, port: number, e: NodeJS.ErrnoException): string {
  return forwardError(t, port, `failed to connect to ${t.podIP}:${port} inside the pod's network: dial tcp4 ${t.podIP}:${port}: ${errnoText(e)}`);
}

/** How long a connect inside a namespace may take (what `nc -w 10` allowed before). */
const NETNS_DIAL_MS = 10_000;

/** This process's helper for sockets inside namespaces, started on the first dial there. */
const netnsSockets = new NetnsSockets();

/** Connected inside the namespace named `ns`. Without python3 (no helper), a Node.js broker
 *  started in the namespace for this one connection. */
async function dialInNetns(ns: string, ip: string, port: number): Promise<net.Socket> {
  const path = `${NETNS_RUN}/${ns}`;
  if (await netnsSockets.ready()) return netnsSockets.connect(path, ip, port, NETNS_DIAL_MS);
  const broker = await SocketBroker.start(path);
  try {
    return await broker.connect(ip, port, NETNS_DIAL_MS);
  } catch (e) {
    throw Object.assign(e as Error, { syscall: 'connect' });
  } finally {
    void broker.stop();
  }
}

/** The connection to the pod's port, once connected; a failed connect rejects (see dialFailure). */
export function dialPod(t: PortTarget, port: number): Promise<net.Socket> {
  if (t.netns) return dialInNetns(t.netns, t.podIP, port).then((conn) => conn.setNoDelay(true));
  const conn = net.connect({ host: t.podIP, port, noDelay: true });
  return new Promise((resolve, reject) => {
    conn.once('connect', () => {
      conn.off('error', reject);
      resolve(conn);
    });
    conn.once('error', reject);
  });
}

/** kubelet's check of a port given as text (a stream header or a query parameter). */
export function parsePort(text: string | undefined | null): number | string {
  if (!text) return 'port is required';
  if (!/^[0-9]+$/.test(text) || Number(text) > 65535) return `unable to parse "${text}" as a port: strconv.ParseUint: parsing "${text}": ${/^[0-9]+$/.test(text) ? 'value out of range' : 'invalid syntax'}`;
  if (Number(text) < 1) return `port "${text}" must be > 0`;
  return Number(text);
}

/** The API server proxy's dialer where the pods' networks are known (`up`): a pod's address
 *  is dialled from inside its network namespace, a node's kubelet port from inside the node's,
 *  any other address directly. */
export function podDialer(client: Client, placement: PodPlacement): Dialer {
  return async (loc) => {
    const pod = loc.pod && (await client.get<Pod>(R.pods, loc.pod.namespace, loc.pod.name).catch(() => undefined));
    const netns = pod ? placement.netns(pod) : loc.node ? placement.nodeNetns?.(loc.node) : undefined;
    return dialPod({ podName: loc.pod?.name ?? '', podUID: '', podIP: loc.ip, netns }, loc.port);
  };
}

/** Where the API server does not run pods (`tinykube server`): addresses are dialled as they are. */
export const directDialer: Dialer = (loc) => dialPod({ podName: '', podUID: '', podIP: loc.ip }, loc.port);
