// The agent's kubelet port (10250): HTTPS serving pods/log and pods/exec on the same paths as
// the API, so an API server without the node forwards the request as it came (node-proxy.ts),
// and /traffic, the node proxy's per-endpoint counters (reached as nodes/NAME/proxy/traffic).
// Callers present the node token as a bearer token; others get 401. The serving certificate is
// self-signed (the agent holds the CA's certificate only), as a kubelet without --tls-cert-file
// makes one; the API server does not verify it, as kube-apiserver without
// --kubelet-certificate-authority does not.

import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errors } from '../api/errors.js';
import { hasBearer } from '../api/bearer.js';
import { parseRequestInfo, type ResourceRequest } from '../api/request-info.js';
import { refuseUpgrade, sendError, sendJson, toStatusError } from '../api/http/respond.js';
import { createSelfSigned } from '../api/tls.js';
import type { PodHandlers } from './pod-handlers.js';
import type { TrafficReport } from '../proxy/traffic.js';

export const KUBELET_PORT = 10250;

export interface KubeletServerOptions {
  /** The node token; the only credential accepted. */
  token: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  nodeName: string;
}

export interface KubeletHandlers extends Pick<PodHandlers, 'log' | 'exec'> {
  /** The node's proxy counters; absent when the proxy does not run here. */
  traffic?: () => TrafficReport;
}

export interface KubeletServer {
  port: number;
  /** Starts answering with these handlers; until then requests get 503. */
  serve(handlers: KubeletHandlers): void;
  close(): Promise<void>;
}

/** The pods/SUB request the URL names, or undefined for any other path. */
function podRequest(req: IncomingMessage, sub: string): { info: ResourceRequest; url: URL } | undefined {
  const url = new URL(req.url ?? '/', 'https://localhost');
  const info = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
  const ok = info.isResource && info.group === '' && info.resource === 'pods' && info.subresource === sub && info.name && info.namespace;
  return ok ? { info, url } : undefined;
}

const starting = () => errors.unavailable('the kubelet is starting');

/** Listens at once, so the port is known when the Node is registered; serves once serve() is
 *  called, after the agent has joined (a wrong token fails there, with 401). */
export async function listenKubelet(o: KubeletServerOptions): Promise<KubeletServer> {
  let pods: KubeletHandlers | undefined;
  const tls = await createSelfSigned(o.nodeName, { ips: [o.host], dnsNames: [o.nodeName] });
  const server = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    const handle = async (): Promise<void> => {
      if (!hasBearer(req, [o.token])) throw errors.unauthorized();
      if (new URL(req.url ?? '/', 'https://localhost').pathname === '/traffic') {
        if (!pods) throw starting();
        if (!pods.traffic) throw errors.noSuchPath();
        return sendJson(res, 200, pods.traffic());
      }
      const r = podRequest(req, 'log');
      if (!r) throw errors.noSuchPath();
      if (!pods) throw starting();
      // The handlers take no Resource argument of use; the API's registry is not here.
      await pods.log(req, res, r.info, undefined as never, r.url);
    };
    handle().catch((e: unknown) => sendError(res, e));
  });
  server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
    if (!hasBearer(req, [o.token])) return refuseUpgrade(socket, errors.unauthorized());
    const r = podRequest(req, 'exec');
    if (!r) return refuseUpgrade(socket, errors.noSuchPath());
    if (!pods) return refuseUpgrade(socket, starting());
    try {
      pods.exec(req, socket, head, r.info);
    } catch (e) {
      refuseUpgrade(socket, toStatusError(e));
    }
  });
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    serve: (handlers) => (pods = handlers),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
