// The API server at the `kubernetes` Service's endpoint, as pods on the netns network reach it.
// The control plane listens on the host's loopback, which no node namespace shares; its
// endpoint is 127.0.0.1:PORT. A node agent reaches it through the unix socket in the data dir,
// so it relays TCP from 127.0.0.1:PORT in its node namespace to that socket (TLS passes
// through untouched), and lets the node's datapath DNAT pods' packets to its loopback
// (route_localnet, as kube-proxy sets it for localhost NodePorts). The ClusterIP 10.96.0.1:443
// then reaches the API server from every pod.

import { writeFileSync } from 'node:fs';
import net from 'node:net';
import type { Endpoints } from '../apis/core/endpoints.js';
import { R, type Client } from '../client/client.js';

export interface ApiRelay {
  close(): Promise<void>;
}

/** Starts relaying when the `kubernetes` endpoint is on loopback; otherwise pods reach it as is. */
export async function startApiRelay(client: Client, socketPath: string): Promise<ApiRelay | undefined> {
  const ep = await client.get<Endpoints>(R.endpoints, 'default', 'kubernetes');
  const subset = ep.subsets?.[0];
  const ip = subset?.addresses?.[0]?.ip;
  const port = subset?.ports?.[0]?.port;
  if (ip !== '127.0.0.1' || !port) return undefined;
  writeFileSync('/proc/sys/net/ipv4/conf/all/route_localnet', '1');
  const server = net.createServer((socket) => {
    const upstream = net.connect(socketPath);
    socket.pipe(upstream).pipe(socket);
    const end = (): void => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, ip, () => resolve());
  });
  return { close: () => new Promise((resolve) => server.close(() => resolve())) };
}
