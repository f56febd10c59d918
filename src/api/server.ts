// The API server: HTTPS, authentication (client certificates, bearer tokens), then routing to discovery, OpenAPI,
// version/health and the resource handlers.

import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import net, { type AddressInfo } from 'node:net';
import { chmodSync, rmSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import type { ApiConfig, KubeObject } from '../apis/types.js';
import { errors } from '../util/status-errors.js';
import { Authenticator, type UserInfo } from './auth/authenticate.js';
import { Authorizer } from './auth/authorize.js';
import { attributesOf, type Attributes } from './auth/attributes.js';
import { PolicyCache } from './auth/policy-cache.js';
import { RbacAuthorizer } from './auth/rbac-authorizer.js';
import { NodeAuthorizer } from './auth/node-authorizer.js';
import { NodeGraph } from './auth/node-graph.js';
import { admitNode } from './auth/node-restriction.js';
import { EscalationCheck } from './auth/escalation.js';
import { admitCertificates } from './auth/certificate-admission.js';
import { impersonate } from './auth/impersonation.js';
import { Reviews, selfSubjectReview } from './auth/reviews.js';
import type { Auditor } from './audit/auditor.js';
import { reviewToken, tokenRequestHandler, tokenRequester, type RequestToken } from './http/token-request.js';
import type { ServiceAccountJwt } from './auth/service-account-jwt.js';
import { defaultRegistry, type Registry } from './registry.js';
import { Rest } from './rest/rest.js';
import { parseRequestInfo, type RequestInfo, type ResourceRequest } from './request-info.js';
import { DEFAULT_WATCH_LIMITS, handleResource, type RequestContext, type ResourceHandlerDeps, type WatchLimits, type SubresourceHandler, type VirtualResource } from './http/resource-handler.js';
import { RequestMetrics } from './metrics/request-metrics.js';
import { refuseUpgrade, sendError, sendJson, toStatusError } from './http/respond.js';
import { wantsAggregatedDiscovery } from './http/negotiate.js';
import { aggregatedContentType, aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions } from './http/discovery.js';
import { openApiV3GroupVersion, openApiV3Root, type ResourceRef } from './openapi.js';
import { scaleHandler } from './http/scale.js';
import { bindingHandler } from './http/binding.js';
import { renderHealth, renderSingle, runChecks, type HealthCheck, type HealthEndpoint } from './health.js';

export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-tinykube',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.23.4',
  compiler: 'gc',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

const HEALTH_ENDPOINTS = new Set<string>(['healthz', 'livez', 'readyz']);
/** Anyone may read these, as Kubernetes' system:public-info-viewer allows. */
const isPublic = (path: string): boolean => path === '/version' || HEALTH_ENDPOINTS.has(path.split('/')[1]!);

/** Serves an HTTP upgrade (WebSocket) request on a subresource such as pods/exec; the
 *  request is authenticated already. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, info: ResourceRequest) => void;

/** Serves every request under a path prefix (e.g. the dashboard's /ui/). */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL, user?: UserInfo) => Promise<void>;

interface Route {
  prefix: string;
  handler: RouteHandler;
  /** Served without a token: only what shows nothing of the cluster (a page's static files). */
  public: boolean;
}

/** A Prometheus registry (prom-client's Registry fits). */
export interface MetricsSource {
  metrics(): Promise<string>;
  contentType: string;
}

export interface ApiServerOptions {
  store: Store;
  config: ApiConfig;
  /** The serving certificate; with `clientCA`, client certificates it signed authenticate. */
  tls: { cert: string; key: string; clientCA?: string };
  /** Bearer tokens accepted (with full rights). */
  tokens: string[];
  /** The token agents join with: it may only ask for a node client certificate. */
  nodeToken?: string;
  /** Signs and checks ServiceAccount tokens; without it only `tokens` authenticate. */
  serviceAccountJwt?: ServiceAccountJwt;
  host: string;
  port: number;
  log: Logger;
  registry?: Registry;
  watchLimits?: WatchLimits;
  /** Writes the audit log (--audit-policy-file, --audit-log-path). */
  auditor?: Auditor;
}

export class ApiServer {
  readonly registry: Registry;
  readonly rest: Rest;
  readonly authenticator: Authenticator;
  readonly authorizer: Authorizer;
  private readonly policy: PolicyCache;
  private readonly graph: NodeGraph;
  private readonly escalation: EscalationCheck;
  /** TokenRequest, for in-process clients (kubelet) too; none without a signing key. */
  readonly requestToken?: RequestToken;
  private readonly server: https.Server;
  private readonly deps: ResourceHandlerDeps;
  private readonly openApiRefs: ResourceRef[];
  private readonly upgrades = new Map<string, UpgradeHandler>();
  private readonly requests = new RequestMetrics();
  private readonly metrics: MetricsSource[] = [this.requests.registry];
  private readonly routes: Route[] = [];
  /** OpenAPI documents never change while the server runs: built once, on first request. */
  private readonly openApiDocs = new Map<string, object | undefined>();
  private shuttingDown = false;
  private readonly healthChecks: HealthCheck[] = [
    { name: 'ping', check: async () => {} },
    {
      name: 'shutdown',
      readyzOnly: true,
      check: async () => {
        if (this.shuttingDown) throw new Error('the server is shutting down');
      },
    },
  ];

  constructor(private readonly opts: ApiServerOptions) {
    this.registry = opts.registry ?? defaultRegistry();
    this.rest = new Rest(opts.store, this.registry, opts.config);
    this.authenticator = new Authenticator(opts.tokens, this.rest, opts.serviceAccountJwt, opts.nodeToken);
    this.policy = new PolicyCache(opts.store);
    this.graph = new NodeGraph(opts.store);
    this.authorizer = new Authorizer(new RbacAuthorizer(this.policy), new NodeAuthorizer((...edge) => this.graph.related(...edge)));
    this.escalation = new EscalationCheck(this.authorizer);
    this.requestToken = opts.serviceAccountJwt ? tokenRequester(this.rest, opts.serviceAccountJwt) : undefined;
    this.deps = {
      rest: this.rest,
      registry: this.registry,
      subresources: new Map<string, SubresourceHandler>([
        ['deployments/scale', scaleHandler(this.rest)],
        ['replicasets/scale', scaleHandler(this.rest)],
        ['statefulsets/scale', scaleHandler(this.rest)],
        ['pods/binding', bindingHandler(this.rest)],
      ]),
      virtual: new Map(),
      now: () => new Date(),
      watchLimits: opts.watchLimits ?? DEFAULT_WATCH_LIMITS,
      onSlowWatcher: (resource, pendingBytes) =>
        opts.log.warn({ resource, pendingBytes }, 'closed a watch whose client reads too slowly; it resumes or re-lists'),
    };
    if (this.requestToken) this.deps.subresources.set('serviceaccounts/token', tokenRequestHandler(this.requestToken));
    this.deps.virtual.set('tokenreviews.authentication.k8s.io', { list: () => [], create: (review) => reviewToken(this.authenticator, review) });
    const reviews = new Reviews(this.authorizer);
    const review = (create: NonNullable<VirtualResource['create']>): VirtualResource => ({ list: () => [], create });
    this.deps.virtual.set('subjectaccessreviews.authorization.k8s.io', review((r) => reviews.subjectAccessReview(r)));
    this.deps.virtual.set('localsubjectaccessreviews.authorization.k8s.io', review((r, _user, ns) => reviews.subjectAccessReview(r, ns ?? '')));
    this.deps.virtual.set('selfsubjectaccessreviews.authorization.k8s.io', review((r, user) => reviews.selfSubjectAccessReview(r, user)));
    this.deps.virtual.set('selfsubjectrulesreviews.authorization.k8s.io', review((r, user) => reviews.selfSubjectRulesReview(r, user)));
    this.deps.virtual.set('selfsubjectreviews.authentication.k8s.io', review((r, user) => selfSubjectReview(r, user)));
    this.openApiRefs = this.registry.resources.map((r) => ({
      group: r.type.group,
      version: r.type.version,
      kind: r.type.kind,
      resource: r.type.resource,
      namespaced: r.type.namespaced,
      subresources: r.type.subresources,
    }));
    // Client certificates are asked for, not required: tokens authenticate too.
    const clientCerts = opts.tls.clientCA ? { requestCert: true, rejectUnauthorized: false, ca: opts.tls.clientCA } : {};
    this.server = https.createServer({ cert: opts.tls.cert, key: opts.tls.key, ...clientCerts }, (req, res) => {
      this.handle(req, res).catch((e) => this.fail(req, res, e));
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    // Watches are long-lived; nothing here should time them out.
    this.server.requestTimeout = 0;
    this.server.headersTimeout = 60_000;
    this.server.keepAliveTimeout = 65_000;
  }

  /** Serve a subresource (e.g. pods/log) with code outside the API package. */
  addSubresource(name: string, handler: SubresourceHandler): void {
    this.deps.subresources.set(name, handler);
  }

  /** Serve a component's metrics on /metrics (the proxy's, as kube-proxy's metrics port would). */
  addMetrics(source: MetricsSource): void {
    this.metrics.push(source);
  }

  /** Checked by /healthz, /livez and /readyz (before shutdown, which stays last). */
  addHealthCheck(check: HealthCheck): void {
    this.healthChecks.splice(this.healthChecks.length - 1, 0, check);
  }

  /** Serve WebSocket upgrades on a subresource, e.g. `pods/exec`. */
  addUpgrade(name: string, handler: UpgradeHandler): void {
    this.upgrades.set(name, handler);
  }

  /** Serve the paths under `prefix` with code outside the API package; the longest prefix wins. */
  addRoute(prefix: string, handler: RouteHandler, opts: { public?: boolean } = {}): void {
    this.routes.push({ prefix, handler, public: opts.public ?? false });
    this.routes.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** Serve a computed resource: `componentstatuses`, `pods.metrics.k8s.io`. */
  addVirtual(resource: string, v: VirtualResource): void {
    this.deps.virtual.set(resource, v);
  }

  /** A computed resource's objects, for components in this process (none until it is served). */
  async listVirtual(resource: string, namespace?: string): Promise<KubeObject[]> {
    return (await this.deps.virtual.get(resource)?.list(namespace)) ?? [];
  }

  private readonly unixServers: net.Server[] = [];

  get httpServer(): https.Server {
    return this.server;
  }

  async listen(): Promise<number> {
    await this.policy.start();
    await this.graph.start();
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  /** Also serves the API on a unix socket (TLS as on the port), for components inside network
   *  namespaces that cannot reach the host's loopback but share its filesystem. */
  async listenUnix(path: string): Promise<void> {
    rmSync(path, { force: true });
    const unix = net.createServer((socket) => this.server.emit('connection', socket));
    await new Promise<void>((resolve, reject) => {
      unix.once('error', reject);
      unix.listen(path, () => {
        unix.off('error', reject);
        resolve();
      });
    });
    chmodSync(path, 0o600);
    this.unixServers.push(unix);
  }

  async close(): Promise<void> {
    this.shuttingDown = true;
    this.policy.stop();
    this.graph.stop();
    for (const u of this.unixServers) u.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** Authenticates (and impersonates), audits (HTTP requests) and authorizes a request; used
   *  for upgrade requests (exec) too. Writes then go through NodeRestriction and the RBAC
   *  escalation checks. */
  private async admit(req: IncomingMessage, info: RequestInfo, res?: ServerResponse): Promise<RequestContext> {
    const authenticated = await this.authenticator.authenticate(req);
    if (!authenticated) throw errors.unauthorized();
    const user = await impersonate(req, authenticated, this.authorizer);
    if (res) this.opts.auditor?.begin(req, res, info, user);
    const attrs = attributesOf(user, info, req.method ?? 'GET');
    await this.authorizer.check(attrs);
    return { user, admit: (obj, old) => this.admitWrite(attrs, obj, old) };
  }

  private async admitWrite(a: Attributes, obj: KubeObject | undefined, old: KubeObject | undefined): Promise<void> {
    await admitNode(a, obj, old);
    await this.escalation.admit(a, obj, old);
    await admitCertificates(this.authorizer, a, obj, old);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const route = this.routes.find((r) => url.pathname.startsWith(r.prefix));
    const info = parseRequestInfo(req.method ?? 'GET', path, url.searchParams);
    const ctx = isPublic(path) || route?.public ? undefined : await this.admit(req, info, res);
    if (route) return route.handler(req, res, url, ctx?.user);

    if (path === '/version') return sendJson(res, 200, VERSION_INFO);
    const [, endpoint, single, ...more] = path.split('/');
    if (HEALTH_ENDPOINTS.has(endpoint!) && !more.length) return this.health(res, endpoint as HealthEndpoint, single, url.searchParams);
    if (path === '/metrics') {
      const texts = await Promise.all(this.metrics.map((m) => m.metrics()));
      res.writeHead(200, { 'Content-Type': this.metrics[0]?.contentType ?? 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(texts.join('\n'));
      return;
    }
    if (path === '/api' || path === '/apis') return this.discovery(req, res, path === '/api');
    if (path === '/openapi/v3' || path.startsWith('/openapi/v3/')) {
      if (!this.openApiDocs.has(path)) {
        const gv = path.slice('/openapi/v3/'.length);
        this.openApiDocs.set(path, gv ? openApiV3GroupVersion(gv, this.openApiRefs) : openApiV3Root(this.openApiRefs));
      }
      const doc = this.openApiDocs.get(path);
      if (!doc) throw errors.noSuchPath();
      return sendJson(res, 200, doc);
    }

    if (info.isResource) {
      if (!ctx) throw errors.unauthorized();
      this.requests.observe(req, res, info);
      return handleResource(this.deps, req, res, info, url, ctx);
    }

    // /api/v1, /apis/GROUP, /apis/GROUP/VERSION
    const parts = path.split('/').filter(Boolean);
    if (parts[0] === 'api' && parts.length === 2) return this.send(res, apiResourceList(this.registry, '', parts[1]));
    if (parts[0] === 'apis' && parts.length === 2) return this.send(res, apiGroup(this.registry, parts[1]));
    if (parts[0] === 'apis' && parts.length === 3) return this.send(res, apiResourceList(this.registry, parts[1], parts[2]));
    throw errors.noSuchPath();
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const info = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
    this.admit(req, info).then(
      () => this.upgradeAdmitted(req, socket, head, info),
      (e: unknown) => refuseUpgrade(socket, toStatusError(e)),
    );
  }

  private upgradeAdmitted(req: IncomingMessage, socket: Duplex, head: Buffer, info: RequestInfo): void {
    const handler = info.isResource ? this.upgrades.get(`${info.resource}/${info.subresource}`) : undefined;
    if (!info.isResource || !handler) return refuseUpgrade(socket, errors.badRequest('upgrade is not supported on this path'));
    try {
      handler(req, socket, head, info);
    } catch (e) {
      refuseUpgrade(socket, toStatusError(e));
    }
  }

  private async health(res: ServerResponse, endpoint: HealthEndpoint, single: string | undefined, q: URLSearchParams): Promise<void> {
    const exclude = q.getAll('exclude');
    const results = await runChecks(this.healthChecks, endpoint, single ? [] : exclude);
    for (const r of results) if (r.error !== undefined) this.opts.log.info({ check: r.name, endpoint, error: r.error }, 'health check failed');
    const answer = single ? renderSingle(results.find((r) => r.name === single)) : renderHealth(endpoint, results, q.has('verbose'), exclude);
    if (!answer) throw errors.noSuchPath();
    res.writeHead(answer.status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
    res.end(answer.body);
  }

  private discovery(req: IncomingMessage, res: ServerResponse, core: boolean): void {
    const aggregated = wantsAggregatedDiscovery(req.headers.accept);
    if (aggregated) {
      return sendJson(res, 200, aggregatedDiscovery(this.registry, core, aggregated), aggregatedContentType(aggregated));
    }
    const address = `${this.opts.config.advertiseAddress}:${this.opts.config.securePort}`;
    sendJson(res, 200, core ? apiVersions(address) : apiGroupList(this.registry));
  }

  private send(res: ServerResponse, doc: Record<string, unknown> | undefined): void {
    if (!doc) throw errors.noSuchPath();
    sendJson(res, 200, doc);
  }

  private fail(req: IncomingMessage, res: ServerResponse, e: unknown): void {
    const err = toStatusError(e);
    if (err.code >= 500) this.opts.log.error({ err: e, method: req.method, url: req.url }, 'request failed');
    sendError(res, err);
  }
}
