// Connecting to a pod's port for a port-forward, as kubelet does: inside the pod's network
// namespace when it has one (`ip netns exec NS busybox nc IP PORT`, as dockershim ran socat
// under nsenter), else straight to its IP (loopback pods are addresses on the host's lo). The
// pod IP rather than localhost: built-in servers listen on the pod IP. A failure is worded as
// kubelet words it, so kubectl prints `error forwarding port 80 to pod …: … connection refused`.

import { spawn } from 'node:child_process';
import net from 'node:net';
import { Duplex } from 'node:stream';
import { errnoText } from '../../util/errno-text.js';
import type { Pod } from '../../apis/core/pods.js';
import { R, type Client } from '../../client/client.js';
import { inNetns, type PodPlacement } from '../pod-placement.js';

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

/** busybox nc's complaint when its connect fails, back to an errno. */
function ncError(stderr: string): NodeJS.ErrnoException {
  const code = /Connection refused/.test(stderr) ? 'ECONNREFUSED' : /No route to host/.test(stderr) ? 'EHOSTUNREACH' : /timed out/.test(stderr) ? 'ETIMEDOUT' : undefined;
  return Object.assign(new Error(stderr.trim() || 'nc failed'), { code, syscall: 'connect' });
}

function dialInNetns(ns: string, ip: string, port: number): Duplex {
  const argv = inNetns(ns, ['busybox', 'nc', '-w', '10', ip, String(port)]);
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  const conn = Duplex.from({ readable: child.stdout, writable: child.stdin });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  child.stdin.on('error', () => {});
  child.on('error', (e) => conn.destroy(e));
  child.on('exit', (code) => code && !conn.destroyed && conn.destroy(ncError(stderr)));
  conn.on('close', () => child.exitCode === null && child.kill());
  return conn;
}

/** The connection to the pod's port; a failure is an 'error' event (see dialFailure). */
export function dialPod(t: PortTarget, port: number): Duplex {
  return t.netns ? dialInNetns(t.netns, t.podIP, port) : net.connect({ host: t.podIP, port, noDelay: true });
}

/** kubelet's check of a port given as text (a stream header or a query parameter). */
export function parsePort(text: string | undefined | null): number | string {
  if (!text) return 'port is required';
  if (!/^[0-9]+$/.test(text) || Number(text) > 65535) return `unable to parse "${text}" as a port: strconv.ParseUint: parsing "${text}": ${/^[0-9]+$/.test(text) ? 'value out of range' : 'invalid syntax'}`;
  if (Number(text) < 1) return `port "${text}" must be > 0`;
  return Number(text);
}

/** Resolves once a direct connection is up; one through a namespace at once (nc reports a
 *  failed connect as an 'error' later). */
export function connected(conn: Duplex): Promise<Duplex> {
  if (!(conn instanceof net.Socket)) return Promise.resolve(conn);
  return new Promise((resolve, reject) => {
    conn.once('connect', () => {
      conn.off('error', reject);
      resolve(conn);
    });
    conn.once('error', reject);
  });
}

/** The API server proxy's dialer where the pods' networks are known (`up`): a pod's address
 *  is dialled from inside its network namespace, a node's kubelet port from inside the node's,
 *  any other address directly. */
export function podDialer(client: Client, placement: PodPlacement): Dialer {
  return async (loc) => {
    const pod = loc.pod && (await client.get<Pod>(R.pods, loc.pod.namespace, loc.pod.name).catch(() => undefined));
    const netns = pod ? placement.netns(pod) : loc.node ? placement.nodeNetns?.(loc.node) : undefined;
    return connected(dialPod({ podName: loc.pod?.name ?? '', podUID: '', podIP: loc.ip, netns }, loc.port));
  };
}

/** Where the API server does not run pods (`tinykube server`): addresses are dialled as they are. */
export const directDialer: Dialer = (loc) => connected(net.connect({ host: loc.ip, port: loc.port, noDelay: true }));
