// The API server's proxy subresources, services/NAME/proxy/PATH, pods/NAME/proxy/PATH and
// nodes/NAME/proxy/PATH (the kubelet's endpoints), what `kubectl proxy` and the dashboard-style
// URLs use. NAME is `name`, `name:port` or
// `scheme:name:port` (utilnet.SplitSchemeNamePort); a Service's port is its port name or number
// and the request goes to one ready endpoint chosen at random, as kube-apiserver's
// ResourceLocation does, with its error wording. Every verb is forwarded with its body; the
// answer streams back. Endpoints are reached through an injected dialer, so a pod inside a
// network namespace is dialled from inside it.

import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { errors } from '../util/status-errors.js';
import { errnoText } from '../util/errno-text.js';
import type { Dialer, Location } from '../node/portforward/dial.js';
import type { SubresourceHandler } from '../api/http/resource-handler.js';
import type { Node } from '../apis/core/nodes.js';
import type { Pod } from '../apis/core/pods.js';
import type { Endpoints } from '../apis/core/endpoints.js';
import type { Service } from '../apis/core/service/types.js';
import { R, type Client } from '../client/client.js';

const SCHEMES = new Set(['http', 'https', '']);

/** `[scheme:]name[:port]`, or undefined when invalid (Go's utilnet.SplitSchemeNamePort). */
export function splitSchemeNamePort(id: string): { scheme: string; name: string; port: string } | undefined {
  const parts = id.split(':');
  const [scheme, name, port] = parts.length === 1 ? ['', parts[0], ''] : parts.length === 2 ? ['', parts[0], parts[1]] : parts.length === 3 ? parts : [];
  return name && scheme !== undefined && SCHEMES.has(scheme) ? { scheme, name, port: port ?? '' } : undefined;
}

const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

/** Where services/ID/proxy goes: kube-apiserver's service ResourceLocation. */
export function serviceLocation(id: string, svc: Service | undefined, eps: Endpoints): Location {
  const parsed = splitSchemeNamePort(id);
  if (!parsed) throw errors.badRequest(`invalid service request "${id}"`);
  let portName = parsed.port;
  if (/^-?[0-9]+$/.test(portName)) {
    const found = svc?.spec?.ports?.find((p) => p.port === Number(portName));
    if (!found) throw errors.unavailable(`no service port ${Number(portName)} found for service "${parsed.name}"`);
    portName = found.name ?? '';
  }
  if (!eps.subsets?.length) throw errors.unavailable(`no endpoints available for service "${parsed.name}"`);
  const candidates = eps.subsets.flatMap((ss) => {
    const port = ss.ports?.find((p) => (p.name ?? '') === portName);
    return port && ss.addresses?.length ? [{ port: port.port, addresses: ss.addresses }] : [];
  });
  if (!candidates.length) throw errors.unavailable(`no endpoints available for service "${id}"`);
  const { port, addresses } = pick(candidates);
  const addr = pick(addresses);
  const ref = addr.targetRef;
  return {
    scheme: parsed.scheme === 'https' ? 'https' : 'http',
    ip: addr.ip,
    port,
    pod: ref?.kind === 'Pod' && ref.name ? { namespace: ref.namespace ?? eps.metadata.namespace ?? '', name: ref.name } : undefined,
  };
}

/** Where pods/ID/proxy goes: kube-apiserver's pod ResourceLocation (no port: the first
 *  declared container port); a named port is looked up among the containers' ports. */
export function podLocation(id: string, pod: Pod): Location {
  const parsed = splitSchemeNamePort(id);
  if (!parsed) throw errors.badRequest(`invalid pod request "${id}"`);
  const ports = (pod.spec?.containers ?? []).flatMap((c) => c.ports ?? []);
  const port = !parsed.port ? (ports[0]?.containerPort ?? 80) : /^[0-9]+$/.test(parsed.port) ? Number(parsed.port) : ports.find((p) => p.name === parsed.port)?.containerPort;
  if (port === undefined || port < 1 || port > 65535) throw errors.badRequest(`invalid pod request "${id}"`);
  const ip = pod.status?.podIP;
  if (!ip) throw errors.badRequest('address not allowed');
  return { scheme: parsed.scheme === 'https' ? 'https' : 'http', ip, port, pod: { namespace: pod.metadata.namespace ?? '', name: parsed.name } };
}

/** Headers that describe one connection, and the client's credentials: not forwarded. */
const DROPPED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'te', 'trailer', 'upgrade', 'authorization', 'host']);

/** The path after NAME/proxy in the request (undefined: nothing, not even a slash). */
export function proxiedPath(url: URL, name: string): string | undefined {
  const segments = url.pathname.split('/');
  const at = segments.findIndex((s, i) => s === 'proxy' && i > 0 && decodeURIComponent(segments[i - 1]!) === name);
  return at < 0 || at === segments.length - 1 ? undefined : `/${segments.slice(at + 1).join('/')}`;
}

/** kube-apiserver's wording when the backend cannot be reached (503). */
function unreachable(loc: Location, e: NodeJS.ErrnoException): Error {
  return errors.unavailable(`error trying to reach service: dial tcp ${loc.ip}:${loc.port}: ${errnoText(e)}`);
}

/** A node's kubelet endpoints served in this process (`up`'s own node). */
export interface LocalNode {
  name: string;
  serve(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void>;
}

export interface ResourceProxyDeps {
  client: Client;
  dial: Dialer;
  /** The token kubelet ports accept (nodes/proxy to another node). */
  nodeToken?: string;
  /** The server's kubelet client certificate, sent to kubelet ports only. */
  kubeletClientCert?: { cert: string; key: string };
  localNode?: LocalNode;
}

/** The path to ask the backend for; undefined when the client was redirected to NAME/proxy/,
 *  as kube-apiserver's proxy handler asks for a backend's root with a slash. */
function backendPath(res: http.ServerResponse, url: URL, name: string): string | undefined {
  const path = proxiedPath(url, name);
  if (path === undefined) {
    res.writeHead(301, { Location: `${url.pathname}/${url.search}` });
    res.end();
  }
  return path;
}

async function forward(
  deps: ResourceProxyDeps,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  loc: Location,
  url: URL,
  name: string,
  extra: http.OutgoingHttpHeaders = {},
  clientCert: { cert?: string; key?: string } = {},
): Promise<void> {
  const path = backendPath(res, url, name);
  if (path === undefined) return;
  const socket = await deps.dial(loc).catch((e: NodeJS.ErrnoException) => {
    throw unreachable(loc, e);
  });
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([k, v]) => v !== undefined && !DROPPED.has(k))) as http.OutgoingHttpHeaders;
  const options: https.RequestOptions = {
    method: req.method,
    path: `${path}${url.search}`,
    headers: { ...headers, host: `${loc.ip}:${loc.port}`, ...extra },
    // With createConnection and no agent, the request has this connection to itself.
    // kube-apiserver does not verify the certificates of the pods it proxies to.
    createConnection: () => (loc.scheme === 'https' ? tls.connect({ socket, rejectUnauthorized: false, ...clientCert }) : socket) as never,
  };
  await new Promise<void>((resolve, reject) => {
    const out = (loc.scheme === 'https' ? https : http).request(options, (upstream) => {
      res.writeHead(upstream.statusCode ?? 502, Object.fromEntries(Object.entries(upstream.headers).filter(([k]) => !DROPPED.has(k))));
      upstream.pipe(res);
      upstream.on('error', () => res.destroy());
      res.on('close', () => {
        out.destroy();
        resolve();
      });
    });
    out.on('error', (e: NodeJS.ErrnoException) => reject(unreachable(loc, e)));
    req.pipe(out);
  });
}

export function resourceProxy(deps: ResourceProxyDeps): { services: SubresourceHandler; pods: SubresourceHandler; nodes: SubresourceHandler } {
  return {
    // kube-apiserver's node ResourceLocation: the kubelet port (or the port given) at the
    // node's InternalIP, over https unless `http:` is asked for.
    nodes: async (req, res, info, _r, url) => {
      const parsed = splitSchemeNamePort(info.name!);
      if (!parsed) throw errors.badRequest(`invalid node request "${info.name}"`);
      const node = await deps.client.get<Node>(R.nodes, undefined, parsed.name);
      if (deps.localNode?.name === parsed.name && !parsed.port) {
        const path = backendPath(res, url, info.name!);
        return path === undefined ? undefined : deps.localNode.serve(req, res, `${path}${url.search}`);
      }
      const ip = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
      const port = parsed.port ? Number(parsed.port) : node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
      if (!ip || !port) throw errors.unavailable(`node ${parsed.name} has no address and kubelet port to proxy to`);
      const loc: Location = { scheme: parsed.scheme === 'http' ? 'http' : 'https', ip, port, node: parsed.name };
      await forward(deps, req, res, loc, url, info.name!, deps.nodeToken ? { authorization: `Bearer ${deps.nodeToken}` } : {}, deps.kubeletClientCert);
    },
    services: async (req, res, info, _r, url) => {
      const parsed = splitSchemeNamePort(info.name!);
      if (!parsed) throw errors.badRequest(`invalid service request "${info.name}"`);
      const svc = await deps.client.get<Service>(R.services, info.namespace, parsed.name);
      const eps = await deps.client.get<Endpoints>(R.endpoints, info.namespace, parsed.name).catch(() => ({ metadata: { name: parsed.name, namespace: info.namespace } }) as Endpoints);
      await forward(deps, req, res, serviceLocation(info.name!, svc, eps), url, info.name!);
    },
    pods: async (req, res, info, _r, url) => {
      const parsed = splitSchemeNamePort(info.name!);
      if (!parsed) throw errors.badRequest(`invalid pod request "${info.name}"`);
      const pod = await deps.client.get<Pod>(R.pods, info.namespace, parsed.name);
      await forward(deps, req, res, podLocation(info.name!, pod), url, info.name!);
    },
  };
}
