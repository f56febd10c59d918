// The HTTP listeners of kube-proxy's own ports on this node's addresses (its NodePort
// addresses): /healthz and /livez (healthzPort, 10256), /metrics, /proxyMode and /healthz
// (metricsPort, 10249), and one listener per Service healthCheckNodePort, opened and closed as
// services come and go. A port that cannot be bound is logged (and, for a Service, reported as
// kube-proxy's FailedToStartServiceHealthcheck Event); the proxy runs on without it.

import http from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ProxyState } from '../state/types.js';
import { healthCheckServices, serviceHealthAnswer, type Answer, type HealthCheckService, type ProxyHealth } from './answers.js';

export interface ProxyPortsOptions {
  /** The addresses every port listens on. */
  ips: string[];
  /** kube-proxy's healthz port (10256); none: not served. */
  healthzPort?: number;
  /** kube-proxy's metrics port (10249); none: not served. */
  metricsPort?: number;
  mode: string;
  metrics: Registry;
  health: ProxyHealth;
  log: Logger;
  /** A Service's health check port could not be opened. */
  failed(svc: HealthCheckService, message: string): void;
}

type Handler = (req: http.IncomingMessage) => Promise<Answer> | Answer;

const send = (res: http.ServerResponse, a: Answer): void => {
  res.writeHead(a.status, a.headers);
  res.end(a.body);
};

const notFound: Answer = { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: '404 page not found\n' };

/** Listens on ip:port for each ip; closes what it opened if one fails. */
async function listenAll(ips: string[], port: number, handler: Handler): Promise<http.Server[]> {
  const servers: http.Server[] = [];
  try {
    for (const ip of ips) {
      const server = http.createServer((req, res) => {
        void Promise.resolve(handler(req)).then(
          (a) => send(res, a),
          (e: unknown) => send(res, { status: 500, headers: {}, body: String(e) }),
        );
      });
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, ip, () => resolve());
      });
    }
    return servers;
  } catch (e) {
    closeAll(servers);
    throw e;
  }
}

function closeAll(servers: http.Server[]): void {
  for (const s of servers) {
    s.close();
    s.closeAllConnections();
  }
}

export class ProxyPorts {
  private fixed: http.Server[] = [];
  private readonly services = new Map<string, { svc: HealthCheckService; servers: http.Server[] }>();
  /** One sync at a time: opening listeners is asynchronous. */
  private syncing: Promise<void> = Promise.resolve();

  constructor(private readonly o: ProxyPortsOptions) {}

  async start(): Promise<void> {
    const { o } = this;
    const path = (req: http.IncomingMessage): string => new URL(req.url ?? '/', 'http://x').pathname;
    const ok: Answer = { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' }, body: 'ok' };
    const ports: [number | undefined, Handler][] = [
      [o.healthzPort, (req) => (path(req) === '/healthz' ? o.health.healthz() : path(req) === '/livez' ? o.health.livez() : notFound)],
      [
        o.metricsPort,
        async (req) => {
          const p = path(req);
          if (p === '/metrics') return { status: 200, headers: { 'Content-Type': o.metrics.contentType }, body: await o.metrics.metrics() };
          if (p === '/proxyMode') return { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: o.mode };
          return p === '/healthz' ? ok : notFound;
        },
      ],
    ];
    for (const [port, handler] of ports) {
      if (port === undefined) continue;
      try {
        this.fixed.push(...(await listenAll(o.ips, port, handler)));
      } catch (err) {
        o.log.error({ err, port, ips: o.ips }, 'could not open a proxy port');
      }
    }
  }

  /** Opens and closes health check ports to match the state, and updates their counts. */
  sync(state: ProxyState): Promise<void> {
    this.syncing = this.syncing.then(() => this.apply(healthCheckServices(state)));
    return this.syncing;
  }

  async stop(): Promise<void> {
    await this.syncing;
    closeAll(this.fixed);
    this.fixed = [];
    for (const { servers } of this.services.values()) closeAll(servers);
    this.services.clear();
  }

  private async apply(wanted: Map<string, HealthCheckService>): Promise<void> {
    for (const [key, open] of this.services) {
      if (wanted.get(key)?.port === open.svc.port) continue;
      closeAll(open.servers);
      this.services.delete(key);
    }
    for (const [key, svc] of wanted) {
      const open = this.services.get(key);
      if (open) {
        open.svc = svc;
        continue;
      }
      const entry = { svc, servers: [] as http.Server[] };
      try {
        entry.servers = await listenAll(this.o.ips, svc.port, () => serviceHealthAnswer(entry.svc, this.o.health.healthy()));
        this.services.set(key, entry);
      } catch (err) {
        this.o.log.error({ err, service: key, port: svc.port }, 'could not open a health check port');
        this.o.failed(svc, `failed to start healthcheck "${key}" on port ${svc.port}: ${(err as Error).message}`);
      }
    }
  }
}
