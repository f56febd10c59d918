// pods/log and pods/exec for an API server without the node (`tinykube server`), and
// nodes/NAME/proxy/PATH for any node: forwarded to the kubelet port of the (pod's) node (its InternalIP, status.daemonEndpoints.kubeletEndpoint),
// on the same path, with the node token instead of the client's credentials. Log responses are
// piped as they stream; exec forwards the upgrade request and then joins the two sockets. The
// kubelet's self-signed certificate is not verified, as kube-apiserver does not without
// --kubelet-certificate-authority.

import https from 'node:https';
import tls from 'node:tls';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { errors, StatusError } from '../errors.js';
import type { UpgradeHandler } from '../server.js';
import type { Pod } from '../../apis/core/pods.js';
import type { Node } from '../../apis/core/nodes.js';
import { R, type Client } from '../../client/client.js';
import { refuseUpgrade, toStatusError } from './respond.js';
import type { SubresourceHandler } from './resource-handler.js';

export interface KubeletEndpoint {
  host: string;
  port: number;
}

/** Where the pod's node serves its logs and exec, with the apiserver's messages when nowhere. */
export async function kubeletEndpoint(client: Client, namespace: string | undefined, name: string): Promise<KubeletEndpoint> {
  const pod = await client.get<Pod>(R.pods, namespace, name);
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw errors.badRequest(`pod ${name} does not have a host assigned`);
  return nodeKubeletEndpoint(client, nodeName);
}

/** Where a node's kubelet port is, from its status. */
export async function nodeKubeletEndpoint(client: Client, nodeName: string): Promise<KubeletEndpoint> {
  const node = await client.get<Node>(R.nodes, undefined, nodeName);
  const host = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!host) throw errors.badRequest(`node ${nodeName} has no InternalIP address`);
  if (!port) throw errors.badRequest(`node ${nodeName} has no kubelet endpoint (status.daemonEndpoints.kubeletEndpoint.Port)`);
  return { host, port };
}

/** How long a connection to a kubelet may take (kube-apiserver's dialer allows 30 s). */
const DIAL_TIMEOUT_MS = 30_000;
/** Hop-by-hop headers: they describe one connection, not the message forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'te', 'trailer']);

const SYSCALL_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network is unreachable',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset by peer',
};

/** A failure to reach the kubelet, worded as Go's net/http words it in kube-apiserver:
 *  `Get "https://IP:PORT/...": dial tcp IP:PORT: connect: connection refused`. */
export function unreachable(method: string, ep: KubeletEndpoint, path: string, e: NodeJS.ErrnoException): StatusError {
  const why = SYSCALL_TEXT[e.code ?? ''];
  const dial = `dial tcp ${ep.host}:${ep.port}`;
  const detail = e.code === DIAL_TIMEOUT ? `${dial}: i/o timeout` : why && e.syscall === 'connect' ? `${dial}: connect: ${why}` : e.message;
  const verb = method.charAt(0) + method.slice(1).toLowerCase();
  return new StatusError(500, 'InternalError', `${verb} "https://${ep.host}:${ep.port}${path}": ${detail}`);
}

const DIAL_TIMEOUT = 'TINYKUBE_DIAL_TIMEOUT';

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

export interface NodeProxyDeps {
  client: Client;
  /** The node token, which every kubelet port accepts. */
  token: string;
  /** How long connecting to a kubelet may take (default 30 s, as kube-apiserver's dialer). */
  dialTimeoutMs?: number;
}

/** Sends a GET to the kubelet at `path` on a connection of its own (agent: false: a follow
 *  stream holds it for as long as it runs); resolves with the response as it starts. */
function kubeletGet(deps: NodeProxyDeps, ep: KubeletEndpoint, path: string, headers: Record<string, string | string[]>, client?: ServerResponse): Promise<IncomingMessage> {
  const dialMs = deps.dialTimeoutMs ?? DIAL_TIMEOUT_MS;
  return new Promise<IncomingMessage>((resolve, reject) => {
    const out = https.request({ host: ep.host, port: ep.port, path, method: 'GET', headers, rejectUnauthorized: false, agent: false }, resolve);
    out.on('error', (e: NodeJS.ErrnoException) => reject(unreachable('GET', ep, path, e)));
    out.on('socket', (socket) => dialDeadline(socket as tls.TLSSocket, dialMs, (e) => out.destroy(e)));
    // A client that leaves (kubectl logs -f stopped) ends the kubelet's stream too.
    client?.on('close', () => out.destroy());
    out.end();
  });
}

/** Forwards a GET to the kubelet at `path` and pipes its answer back as it streams. */
async function forwardGet(deps: NodeProxyDeps, req: IncomingMessage, res: ServerResponse, ep: KubeletEndpoint, path: string): Promise<void> {
  const upstream = await kubeletGet(deps, ep, path, forwardedHeaders(req, deps.token, false), res);
  const headers = Object.entries(upstream.headers).filter(([k]) => !HOP_BY_HOP.has(k));
  res.writeHead(upstream.statusCode ?? 502, Object.fromEntries(headers));
  res.flushHeaders();
  upstream.pipe(res);
  await new Promise<void>((resolve) => {
    upstream.on('error', () => res.destroy());
    res.on('close', resolve);
  });
}

/** A node's kubelet answer at `path`, parsed (the API server's own reads, e.g. a node's traffic). */
export async function kubeletJson<T>(deps: NodeProxyDeps, nodeName: string, path: string): Promise<T> {
  const ep = await nodeKubeletEndpoint(deps.client, nodeName);
  const res = await kubeletGet(deps, ep, path, { authorization: `Bearer ${deps.token}` });
  let body = '';
  res.setEncoding('utf8');
  for await (const chunk of res) body += chunk;
  if (res.statusCode !== 200) throw new StatusError(res.statusCode ?? 502, 'InternalError', `node ${nodeName}: ${path} answered ${res.statusCode}: ${body.slice(0, 200)}`);
  return JSON.parse(body) as T;
}

function logProxy(deps: NodeProxyDeps): SubresourceHandler {
  return async (req, res, info) => {
    if (info.verb !== 'get') throw errors.methodNotAllowed();
    const ep = await kubeletEndpoint(deps.client, info.namespace, info.name!);
    await forwardGet(deps, req, res, ep, req.url ?? '/');
  };
}

/** nodes/NAME/proxy/PATH: GET https://NODE:KUBELET_PORT/PATH, as kube-apiserver's node proxy;
 *  `local` answers for the node that runs in this process. */
export function nodesProxy(deps: NodeProxyDeps, local?: { nodeName: string; handler: SubresourceHandler }): SubresourceHandler {
  return async (req, res, info, resource, url) => {
    if (info.verb !== 'get') throw errors.methodNotAllowed();
    if (local && info.name === local.nodeName) return local.handler(req, res, info, resource, url);
    const ep = await nodeKubeletEndpoint(deps.client, info.name!);
    await forwardGet(deps, req, res, ep, `/${info.rest.map(encodeURIComponent).join('/')}${url.search}`);
  };
}

/** The request line and headers of an upgrade request, as sent on the wire. */
function upgradeRequestText(req: IncomingMessage, ep: KubeletEndpoint, token: string): string {
  const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1`, `Host: ${ep.host}:${ep.port}`];
  for (const [k, v] of Object.entries(forwardedHeaders(req, token, true))) for (const one of [v].flat()) lines.push(`${k}: ${one}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

function execProxy(deps: NodeProxyDeps): UpgradeHandler {
  const dialMs = deps.dialTimeoutMs ?? DIAL_TIMEOUT_MS;
  return (req, socket, head, info) => {
    const path = req.url ?? '/';
    kubeletEndpoint(deps.client, info.namespace, info.name ?? '')
      .then(
        (ep) =>
          new Promise<void>((resolve, reject) => {
            const kubelet = tls.connect({ host: ep.host, port: ep.port, rejectUnauthorized: false });
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

export function nodeProxy(deps: NodeProxyDeps): { log: SubresourceHandler; exec: UpgradeHandler } {
  return { log: logProxy(deps), exec: execProxy(deps) };
}
