// The agent's kubelet port (10250): HTTPS serving pods/log, exec and portforward on the same paths as
// the API, so an API server without the node forwards the request as it came (node-proxy.ts).
// Callers present the node token as a bearer token, or a server's kubelet client certificate;
// others get 401. The serving certificate is
// the cluster CA's, for system:node:NAME and the node's address: the agent asks a server for it
// when it joins (a key made here, a request signed there), and servers verify it before they
// send the node token, as kube-apiserver with --kubelet-certificate-authority does.

import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errors } from '../util/status-errors.js';
import type { TLSSocket } from 'node:tls';
import { hasBearer } from '../api/bearer.js';
import { certificateUser } from '../api/auth/authenticate.js';
import { parseRequestInfo, type ResourceRequest } from '../api/request-info.js';
import { refuseUpgrade, sendError, sendJson, toStatusError } from '../api/http/respond.js';
import { createKubeletCsr } from '../api/tls.js';
import { KUBELET_CERTIFICATE_PATH, type KubeletCertificateRequest } from '../api/http/kubelet-certificates.js';
import type { HttpsClient } from '../client/https.js';
import type { PodHandlers } from './pod-handlers.js';
import type { TrafficReport } from '../proxy/traffic.js';

export const KUBELET_PORT = 10250;

export interface KubeletServerOptions {
  /** The node token, when the agent joined with it (never a bootstrap token: it is no
   *  server's credential). */
  token?: string;
  /** The cluster CA: a server's kubelet client certificate (system:masters) it signed is
   *  accepted too, as a kubelet trusts kube-apiserver's --kubelet-client-certificate. */
  clientCA?: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The serving certificate and key (PEM), from kubeletServingCertificate. */
  tls: { cert: string; key: string };
}

export interface KubeletHandlers extends Pick<PodHandlers, 'log' | 'exec' | 'portforward' | 'endpoints'> {
  /** The node proxy's per-endpoint counters (nodes/NAME/proxy/traffic); absent without a proxy. */
  traffic?: () => Promise<TrafficReport>;
}

export interface KubeletServer {
  port: number;
  /** Starts answering with these handlers; until then requests get 503. */
  serve(handlers: KubeletHandlers): void;
  close(): Promise<void>;
}

/** The pods/SUB request the URL names, or undefined for any other path. */
function podRequest(req: IncomingMessage, subs: string[]): { info: ResourceRequest; url: URL } | undefined {
  const url = new URL(req.url ?? '/', 'https://localhost');
  const info = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
  const ok = info.isResource && info.group === '' && info.resource === 'pods' && subs.includes(info.subresource ?? '') && info.name && info.namespace;
  return ok ? { info, url } : undefined;
}

/** The kubelet's own endpoints (kubelet-endpoints.ts), next to the pods' subresources. */
const KUBELET_PATHS = new Set(['/healthz', '/pods', '/pods/', '/metrics', '/metrics/resource', '/stats/summary', '/stats/summary/']);

const starting = () => errors.unavailable('the kubelet is starting');

/** A serving certificate for this node's kubelet port, issued by the cluster CA through a server
 *  (the key is made here and stays here). A wrong node token fails here, with 401. */
export async function kubeletServingCertificate(client: HttpsClient, nodeName: string, nodeIP: string): Promise<{ cert: string; key: string }> {
  const { csr, key } = await createKubeletCsr(nodeName, { ips: [nodeIP], dnsNames: [nodeName] });
  const request: KubeletCertificateRequest = { nodeName, csr };
  const { certificate } = await client.post<{ certificate: string }>(KUBELET_CERTIFICATE_PATH, request);
  return { cert: certificate, key };
}

/** Whether a request comes from an API server: the node token, or a client certificate of the
 *  cluster CA in system:masters. */
function fromServer(req: IncomingMessage, token: string | undefined): boolean {
  if (token && hasBearer(req, [token])) return true;
  return certificateUser(req.socket as TLSSocket)?.groups.includes('system:masters') ?? false;
}

/** Listens at once, so the port is known when the Node is registered; serves once serve() is
 *  called, after the agent has joined (a wrong token fails there, with 401). */
export async function listenKubelet(o: KubeletServerOptions): Promise<KubeletServer> {
  let pods: KubeletHandlers | undefined;
  const clientCerts = o.clientCA ? { requestCert: true, rejectUnauthorized: false, ca: o.clientCA } : {};
  const server = https.createServer({ cert: o.tls.cert, key: o.tls.key, ...clientCerts }, (req, res) => {
    const handle = async (): Promise<void> => {
      if (!fromServer(req, o.token)) throw errors.unauthorized();
      const path = new URL(req.url ?? '/', 'https://localhost').pathname;
      if (path === '/traffic') {
        if (!pods) throw starting();
        if (!pods.traffic) throw errors.noSuchPath();
        return sendJson(res, 200, await pods.traffic());
      }
      if (KUBELET_PATHS.has(path)) {
        if (!pods) throw starting();
        return pods.endpoints(req, res, req.url ?? '/');
      }
      const r = podRequest(req, ['log']);
      if (!r) throw errors.noSuchPath();
      if (!pods) throw starting();
      // The handlers take no Resource argument of use; the API's registry is not here.
      await pods.log(req, res, r.info, undefined as never, r.url);
    };
    handle().catch((e: unknown) => sendError(res, e));
  });
  server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
    if (!fromServer(req, o.token)) return refuseUpgrade(socket, errors.unauthorized());
    const r = podRequest(req, ['exec', 'portforward']);
    if (!r) return refuseUpgrade(socket, errors.noSuchPath());
    if (!pods) return refuseUpgrade(socket, starting());
    try {
      (r.info.subresource === 'exec' ? pods.exec : pods.portforward)(req, socket, head, r.info);
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
