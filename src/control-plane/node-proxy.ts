// pods/log, pods/exec and pods/portforward for an API server without the node (`tinykube server`): forwarded to
// the kubelet port of the pod's node (its InternalIP, status.daemonEndpoints.kubeletEndpoint),
// on the same path, with the node token instead of the client's credentials. Log responses are
// piped as they stream; exec forwards the upgrade request and then joins the two sockets. The
// kubelet's serving certificate must come from the cluster CA (issued when the agent joined,
// kubelet-certificates.ts), name the address dialled and be the pod's node's
// (system:node:NAME), as kube-apiserver checks with --kubelet-certificate-authority: the node
// token goes nowhere else.

import https from 'node:https';
import tls, { type PeerCertificate } from 'node:tls';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { errnoText, hasErrnoText } from '../util/errno-text.js';
import { errors, StatusError } from '../util/status-errors.js';
import type { UpgradeHandler } from '../api/server.js';
import type { Pod } from '../apis/core/pods.js';
import type { Node } from '../apis/core/nodes.js';
import { R, type Client } from '../client/client.js';
import { refuseUpgrade, toStatusError } from '../api/http/respond.js';
import type { SubresourceHandler } from '../api/http/resource-handler.js';
import type { Dialer } from '../node/portforward/dial.js';

export interface KubeletEndpoint {
  host: string;
  port: number;
  nodeName: string;
}

/** Where the pod's node serves its logs and exec, with the apiserver's messages when nowhere. */
export async function kubeletEndpoint(client: Client, namespace: string | undefined, name: string): Promise<KubeletEndpoint> {
  const pod = await client.get<Pod>(R.pods, namespace, name);
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw errors.badRequest(`pod ${name} does not have a host assigned`);
  return nodeKubeletEndpoint(client, nodeName);
}

/** Where a node serves its kubelet port. */
export async function nodeKubeletEndpoint(client: Client, nodeName: string): Promise<KubeletEndpoint> {
  const node = await client.get<Node>(R.nodes, undefined, nodeName);
  const host = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!host) throw errors.badRequest(`node ${nodeName} has no InternalIP address`);
  if (!port) throw errors.badRequest(`node ${nodeName} has no kubelet endpoint (status.daemonEndpoints.kubeletEndpoint.Port)`);
  return { host, port, nodeName };
}

/** How long a connection to a kubelet may take (kube-apiserver's dialer allows 30 s). */
const DIAL_TIMEOUT_MS = 30_000;
/** Hop-by-hop headers: they describe one connection, not the message forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'te', 'trailer']);

/** A failure to reach the kubelet, worded as Go's net/http words it in kube-apiserver:
 *  `Get "https://IP:PORT/...": dial tcp IP:PORT: connect: connection refused`. */
export function unreachable(method: string, ep: KubeletEndpoint, path: string, e: NodeJS.ErrnoException): StatusError {
  const dial = `dial tcp ${ep.host}:${ep.port}`;
  const detail =
    e.code === DIAL_TIMEOUT ? `${dial}: i/o timeout`
    : hasErrnoText(e) && e.syscall === 'connect' ? `${dial}: ${errnoText(e)}`
    : e.code && CERTIFICATE_ERRORS.has(e.code) ? `tls: failed to verify certificate: ${e.message}`
    : e.message;
  const verb = method.charAt(0) + method.slice(1).toLowerCase();
  return new StatusError(500, 'InternalError', `${verb} "https://${ep.host}:${ep.port}${path}": ${detail}`);
}

const DIAL_TIMEOUT = 'TINYKUBE_DIAL_TIMEOUT';
/** OpenSSL's and Node's codes for a kubelet certificate that is not the node's from the CA. */
const CERTIFICATE_ERRORS = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Fails the connection if the TLS handshake has not completed within `ms`. */
function dialDeadline(socket: tls.TLSSocket, ms: number, fail: (e: NodeJS.ErrnoException) => void): void {
  const timer = setTimeout(() => fail(Object.assign(new Error('i/o timeout'), { code: DIAL_TIMEOUT })), ms);
  socket.once('secureConnect', () => clearTimeout(timer));
  socket.once('close', () => clearTimeout(timer));
}

/** The request's headers for the kubelet: the node token instead of the client's credentials;
 *  an upgrade keeps its Connection header, which asks for it. */
function forwardedHeaders(req: IncomingMessage, token: string, upgrade: boolean): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined && k !== 'authorization' && k !== 'host' && (upgrade || !HOP_BY_HOP.has(k))) headers[k] = v;
  }
  return { ...headers, authorization: `Bearer ${token}` };
}

/** TLS options that accept only the node's own certificate from the cluster CA. */
function verifyKubelet(ca: string, ep: KubeletEndpoint): tls.ConnectionOptions {
  return {
    ca,
    rejectUnauthorized: true,
    checkServerIdentity: (host: string, cert: PeerCertificate) => {
      const err = tls.checkServerIdentity(host, cert);
      if (err) return err;
      if (cert.subject?.CN !== `system:node:${ep.nodeName}`) {
        return Object.assign(new Error(`x509: certificate is for ${cert.subject?.CN ?? 'no subject'}, not system:node:${ep.nodeName}`), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
      }
      return undefined;
    },
  };
}

export interface NodeProxyDeps {
  client: Client;
  /** The node token, which every kubelet port accepts. */
  token: string;
  /** The cluster CA (PEM): kubelet serving certificates must chain to it. */
  ca: string;
  /** The server's kubelet client certificate, which kubelets of agents that joined with a
   *  bootstrap token (and do not know the node token) accept. */
  clientCert?: { cert: string; key: string };
  /** How long connecting to a kubelet may take (default 30 s, as kube-apiserver's dialer). */
  dialTimeoutMs?: number;
  /** Where kubelet ports are not reachable from here (`up`'s node namespaces): connects to them. */
  dial?: Dialer;
}

/** GET `path` from the kubelet at `ep`, verified, with these headers; `client`, when it leaves
 *  (kubectl logs -f stopped), ends the kubelet's stream too. */
async function kubeletGet(deps: NodeProxyDeps, ep: KubeletEndpoint, path: string, headers: Record<string, string | string[]>, client?: ServerResponse): Promise<IncomingMessage> {
  const dialMs = deps.dialTimeoutMs ?? DIAL_TIMEOUT_MS;
  const socket = deps.dial && (await deps.dial({ scheme: 'https', ip: ep.host, port: ep.port, node: ep.nodeName }).catch((e: NodeJS.ErrnoException) => Promise.reject(unreachable('GET', ep, path, e))));
  // A connection of its own: a follow stream holds it for as long as it runs. The dialled one
  // (with the same verification) or a new one (agent: false); an agent would ignore
  // createConnection and dial the address from here.
  const connection = socket ? { createConnection: () => tls.connect({ socket, host: ep.host, ...verifyKubelet(deps.ca, ep), ...deps.clientCert }) } : { agent: false as const };
  return new Promise<IncomingMessage>((resolve, reject) => {
    const out = https.request({ host: ep.host, port: ep.port, path, method: 'GET', headers, ...verifyKubelet(deps.ca, ep), ...deps.clientCert, ...connection }, resolve);
    out.on('error', (e: NodeJS.ErrnoException) => reject(unreachable('GET', ep, path, e)));
    out.on('socket', (socket) => dialDeadline(socket as tls.TLSSocket, dialMs, (e) => out.destroy(e)));
    client?.on('close', () => out.destroy());
    out.end();
  });
}

/** A node's kubelet answer at `path`: the API server's own reads (the dashboard's traffic,
 *  the metrics scraper's /metrics/resource). */
export async function kubeletText(deps: NodeProxyDeps, nodeName: string, path: string): Promise<string> {
  const ep = await nodeKubeletEndpoint(deps.client, nodeName);
  const res = await kubeletGet(deps, ep, path, { authorization: `Bearer ${deps.token}` });
  let body = '';
  res.setEncoding('utf8');
  for await (const chunk of res) body += chunk;
  if (res.statusCode !== 200) throw new StatusError(res.statusCode ?? 502, 'InternalError', `node ${nodeName}: ${path} answered ${res.statusCode}: ${body.slice(0, 200)}`);
  return body;
}

export async function kubeletJson<T>(deps: NodeProxyDeps, nodeName: string, path: string): Promise<T> {
  return JSON.parse(await kubeletText(deps, nodeName, path)) as T;
}

function logProxy(deps: NodeProxyDeps): SubresourceHandler {
  return async (req, res, info) => {
    if (info.verb !== 'get') throw errors.methodNotAllowed();
    const ep = await kubeletEndpoint(deps.client, info.namespace, info.name!);
    const upstream = await kubeletGet(deps, ep, req.url ?? '/', forwardedHeaders(req, deps.token, false), res);
    const headers = Object.entries(upstream.headers).filter(([k]) => !HOP_BY_HOP.has(k));
    res.writeHead(upstream.statusCode ?? 502, Object.fromEntries(headers));
    res.flushHeaders();
    upstream.pipe(res);
    await new Promise<void>((resolve) => {
      upstream.on('error', () => res.destroy());
      res.on('close', resolve);
    });
  };
}

/** The request line and headers of an upgrade request, as sent on the wire. */
function upgradeRequestText(req: IncomingMessage, ep: KubeletEndpoint, token: string): string {
  const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1`, `Host: ${ep.host}:${ep.port}`];
  for (const [k, v] of Object.entries(forwardedHeaders(req, token, true))) for (const one of [v].flat()) lines.push(`${k}: ${one}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** pods/exec and pods/portforward: the upgrade request is sent on as it came, then the two
 *  connections are joined whatever protocol they switched to. */
function upgradeProxy(deps: NodeProxyDeps): UpgradeHandler {
  const dialMs = deps.dialTimeoutMs ?? DIAL_TIMEOUT_MS;
  return (req, socket, head, info) => {
    const path = req.url ?? '/';
    kubeletEndpoint(deps.client, info.namespace, info.name ?? '')
      .then(
        (ep) =>
          new Promise<void>((resolve, reject) => {
            const kubelet = tls.connect({ host: ep.host, port: ep.port, ...verifyKubelet(deps.ca, ep), ...deps.clientCert });
            kubelet.once('error', (e: NodeJS.ErrnoException) => reject(unreachable(req.method ?? 'GET', ep, path, e)));
            dialDeadline(kubelet, dialMs, (e) => kubelet.destroy(e));
            kubelet.once('secureConnect', () => {
              kubelet.removeAllListeners('error');
              resolve();
              // The client may have left while the kubelet was looked up and dialled.
              if (socket.destroyed) return void kubelet.destroy();
              kubelet.write(upgradeRequestText(req, ep, deps.token));
              if (head.length) kubelet.write(head);
              join(socket, kubelet);
            });
          }),
      )
      .catch((e: unknown) => refuseUpgrade(socket, toStatusError(e)));
  };
}

/** Pipes both ways; either side ending or failing ends the other. */
function join(a: Duplex, b: Duplex): void {
  a.pipe(b);
  b.pipe(a);
  for (const [x, y] of [[a, b], [b, a]] as const) {
    x.on('error', () => y.destroy());
    x.on('close', () => y.destroy());
  }
}

export function nodeProxy(deps: NodeProxyDeps): { log: SubresourceHandler; upgrade: UpgradeHandler } {
  return { log: logProxy(deps), upgrade: upgradeProxy(deps) };
}
