// Connecting to a pod's port for a port-forward. kubelet dials localhost inside the pod's network
// namespace; the agent reaches the pod at its IP instead (its node's bridge on netns, lo on
// loopback), which every built-in server and busybox listener answers on. A failure is worded
// as kubelet words it, so kubectl prints `error forwarding port 80 to pod …: … connection refused`.

import net from 'node:net';

export interface PortTarget {
  podName: string;
  podUID: string;
  podIP: string;
}

const DIAL_TIMEOUT_MS = 10_000;

const SYSCALL_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network is unreachable',
  ECONNRESET: 'connection reset by peer',
};

export function forwardError(t: PortTarget, port: number, why: string): string {
  return `error forwarding port ${port} to pod ${t.podName}, uid ${t.podUID}: ${why}`;
}

/** Resolves with a connected socket, or rejects with kubelet's message for the failure. */
export function dialPod(t: PortTarget, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: t.podIP, port, noDelay: true });
    const fail = (detail: string): void => {
      socket.destroy();
      reject(new Error(forwardError(t, port, `failed to connect to ${t.podIP}:${port} inside the pod's network: dial tcp4 ${t.podIP}:${port}: ${detail}`)));
    };
    const timer = setTimeout(() => fail('i/o timeout'), DIAL_TIMEOUT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const text = SYSCALL_TEXT[e.code ?? ''];
      fail(text ? `connect: ${text}` : e.message);
    });
  });
}

/** kubelet's check of a port given as text (a stream header or a query parameter). */
export function parsePort(text: string | undefined | null): number | string {
  if (!text) return 'port is required';
  if (!/^[0-9]+$/.test(text) || Number(text) > 65535) return `unable to parse "${text}" as a port: strconv.ParseUint: parsing "${text}": ${/^[0-9]+$/.test(text) ? 'value out of range' : 'invalid syntax'}`;
  if (Number(text) < 1) return `port "${text}" must be > 0`;
  return Number(text);
}
