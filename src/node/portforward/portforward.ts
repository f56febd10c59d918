// `kubectl port-forward` on the node (pods/portforward): three ways in, one forwarder below.
// - WebSocket offering `SPDY/3.1+portforward.k8s.io` (kubectl ≥ 1.30): SPDY frames tunnelled
//   in WebSocket binary messages;
// - `Upgrade: SPDY/3.1` with `X-Stream-Protocol-Version: portforward.k8s.io` (kubectl's fallback,
//   and older kubectl): SPDY straight on the connection;
// - WebSocket offering `v4.channel.k8s.io` / `channel.k8s.io` with `?ports=` (client libraries):
//   numbered channels.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { errors } from '../../util/status-errors.js';
import { refuseUpgrade, toStatusError } from '../../api/http/respond.js';
import type { UpgradeHandler } from '../../api/server.js';
import type { Pod } from '../../apis/core/pods.js';
import { R, type Client } from '../../client/client.js';
import type { PodPlacement } from '../pod-placement.js';
import { parsePort, type PortTarget } from './dial.js';
import { CHANNEL_PROTOCOLS, forwardChannels } from './forward-channels.js';
import { streamForwarder } from './forward-streams.js';
import { SpdySession } from './spdy-session.js';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
export const TUNNEL_PROTOCOL = `SPDY/3.1+${PORT_FORWARD_PROTOCOL}`;
const WEBSOCKET_PROTOCOLS = [TUNNEL_PROTOCOL, ...CHANNEL_PROTOCOLS];

/** The pod to forward to, refused as kubelet refuses a pod it does not run. */
async function target(deps: PortForwardDeps, namespace: string | undefined, name: string): Promise<PortTarget> {
  const pod = await deps.client.get<Pod>(R.pods, namespace, name);
  if (!pod.spec?.nodeName) throw errors.badRequest(`pod ${name} does not have a host assigned`);
  const podIP = pod.status?.podIP;
  if (pod.status?.phase !== 'Running' || !podIP) throw errors.badRequest('unable to upgrade connection: pod does not exist');
  return { podName: name, podUID: pod.metadata.uid ?? '', podIP, netns: deps.placement.netns(pod) };
}

/** The ports of a channel WebSocket (`ports` at the API, `port` at a kubelet; comma lists too). */
export function queryPorts(q: URLSearchParams): number[] {
  const texts = [...q.getAll('ports'), ...q.getAll('port')].flatMap((t) => t.split(','));
  if (!texts.length) throw errors.badRequest('query parameter "port" is required');
  return texts.map((t) => {
    const port = parsePort(t);
    if (typeof port === 'string') throw errors.badRequest(port);
    return port;
  });
}

function runSpdy(conn: Duplex, t: PortTarget): void {
  void new SpdySession(conn, streamForwarder(t)).run();
}

function offered(req: IncomingMessage, header: string): string[] {
  return String(req.headers[header] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

/** `ws` accepts only RFC 6455 tokens as subprotocols, and `/` is not one: the tunnel's name
 *  is swapped for this token on the way in and answered under its own name. */
const TUNNEL_TOKEN = 'spdy-3.1-portforward.k8s.io';

export interface PortForwardDeps {
  client: Client;
  placement: PodPlacement;
}

export function portForwardHandler(deps: PortForwardDeps): UpgradeHandler {
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (p) => (p.has(TUNNEL_TOKEN) ? TUNNEL_PROTOCOL : (CHANNEL_PROTOCOLS.find((w) => p.has(w)) ?? false)),
  });
  return (req, socket, head, info) => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    target(deps, info.namespace, info.name ?? '')
      .then((t) => {
        const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
        if (upgrade === 'websocket') {
          const protocol = WEBSOCKET_PROTOCOLS.find((p) => offered(req, 'sec-websocket-protocol').includes(p));
          if (!protocol) throw errors.badRequest(`port-forward needs a WebSocket offering one of ${WEBSOCKET_PROTOCOLS.join(', ')}`);
          const ports = protocol === TUNNEL_PROTOCOL ? [] : queryPorts(url.searchParams);
          req.headers['sec-websocket-protocol'] = protocol === TUNNEL_PROTOCOL ? TUNNEL_TOKEN : protocol;
          wss.handleUpgrade(req, socket, head, (ws) => (protocol === TUNNEL_PROTOCOL ? runSpdy(createWebSocketStream(ws), t) : forwardChannels(ws, t, ports)));
          return;
        }
        if (upgrade !== 'spdy/3.1') throw errors.badRequest('unable to upgrade: missing upgrade headers in request');
        const versions = offered(req, 'x-stream-protocol-version');
        if (!versions.includes(PORT_FORWARD_PROTOCOL)) {
          throw errors.forbidden(`unable to upgrade: unable to negotiate protocol: client supports [${versions.join(' ')}], server supports [${PORT_FORWARD_PROTOCOL}]`);
        }
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${PORT_FORWARD_PROTOCOL}\r\n\r\n`);
        if (head.length) socket.unshift(head);
        runSpdy(socket, t);
      })
      .catch((e: unknown) => refuseUpgrade(socket, toStatusError(e)));
  };
}
