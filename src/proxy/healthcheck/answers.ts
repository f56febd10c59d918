// What kube-proxy's own ports answer (pure), after pkg/proxy/healthcheck: a Service's
// healthCheckNodePort (200 while this node has a ready local endpoint and the proxy is healthy,
// 503 otherwise, with kube-proxy's JSON), /healthz and /livez on 10256, and which services
// have a health check port with how many ready local endpoints each.

import type { ProxyState } from '../state/types.js';

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const JSON_HEADERS = { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff' };

export interface HealthCheckService {
  namespace: string;
  name: string;
  port: number;
  /** Distinct ready endpoints (ip:port) on this node, over all the service's ports. */
  localEndpoints: number;
}

/** The services with a healthCheckNodePort, by `namespace/name`. */
export function healthCheckServices(state: ProxyState): Map<string, HealthCheckService> {
  const out = new Map<string, HealthCheckService>();
  const local = new Map<string, Set<string>>();
  for (const { service, endpoints } of state.ports.values()) {
    if (!service.healthCheckNodePort) continue;
    const key = `${service.namespace}/${service.name}`;
    const eps = local.get(key) ?? new Set<string>();
    local.set(key, eps);
    // Terminating endpoints may still serve, but a node with only those must fail the check.
    for (const ep of endpoints) if (ep.isLocal && ep.ready) eps.add(`${ep.ip}:${ep.port}`);
    out.set(key, { namespace: service.namespace, name: service.name, port: service.healthCheckNodePort, localEndpoints: 0 });
  }
  for (const [key, svc] of out) svc.localEndpoints = local.get(key)!.size;
  return out;
}

export function serviceHealthAnswer(svc: Pick<HealthCheckService, 'namespace' | 'name' | 'localEndpoints'>, proxyHealthy: boolean): Answer {
  const body = [
    '{',
    '\t"service": {',
    `\t\t"namespace": ${JSON.stringify(svc.namespace)},`,
    `\t\t"name": ${JSON.stringify(svc.name)}`,
    '\t},',
    `\t"localEndpoints": ${svc.localEndpoints},`,
    `\t"serviceProxyHealthy": ${proxyHealthy}`,
    '}',
  ].join('\n');
  return { status: svc.localEndpoints > 0 && proxyHealthy ? 200 : 503, headers: { ...JSON_HEADERS }, body };
}

/** Go's time.Time String(), as kube-proxy's %q prints it. */
export function goTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000000 +0000 UTC`;
}

/** Whether the proxy is healthy, kube-proxy's rule: no change has waited longer than the
 *  timeout to reach the datapath. */
export class ProxyHealth {
  private lastUpdated = 0;
  private oldestPending: number | undefined;

  constructor(
    private readonly now: () => number,
    private readonly timeoutMs: number,
  ) {}

  /** A change arrived that the datapath does not have yet. */
  queued(): void {
    this.oldestPending ??= this.now();
  }

  /** A sync put everything queued so far into the datapath. */
  updated(): void {
    this.oldestPending = undefined;
    this.lastUpdated = this.now();
  }

  healthy(): boolean {
    return this.oldestPending === undefined || this.now() - this.oldestPending < this.timeoutMs;
  }

  /** /healthz on 10256 (this node is always eligible: nothing here marks nodes for deletion). */
  healthz(): Answer {
    return this.answer(true);
  }

  livez(): Answer {
    return this.answer(false);
  }

  private answer(withNode: boolean): Answer {
    const now = this.now();
    const healthy = this.healthy();
    // As kube-proxy: a healthy answer says "updated now".
    const last = goTime(healthy ? now : this.lastUpdated);
    const body = `{"lastUpdated": ${JSON.stringify(last)},"currentTime": ${JSON.stringify(goTime(now))}${withNode ? ', "nodeEligible": true' : ''}}`;
    return { status: healthy ? 200 : 503, headers: { ...JSON_HEADERS }, body };
  }
}
