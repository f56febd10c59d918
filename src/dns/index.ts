// The cluster DNS component: the cache, the handler, UDP/TCP listeners, a metrics endpoint,
// and the kube-dns Service pointing at them.
//
// It listens on its own loopback address, DEFAULT_ADDRESS (127.53.0.0/16 is kept for DNS, away
// from pod addresses in 127.244.0.0/16 and ClusterIPs in 127.96.0.0/16), on port 53 when it can
// bind it, else on FALLBACK_PORT, and says so. Clients reach it directly or through the
// kube-dns ClusterIP like any Service.

import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Client } from '../client/client.js';
import { DnsCache } from './cache.js';
import { Handler } from './handler.js';
import { applyKubeDnsService, removeKubeDnsEndpoint } from './kube-dns-service.js';
import { DnsMetrics } from './metrics.js';
import { parseResolvConf } from './resolv-conf.js';
import { reverseZones } from './reverse-zones.js';
import { DnsServer, type ServerOptions } from './server.js';
import { UdpWorkers } from './udp-workers.js';
import { Upstream } from './upstream.js';
import { joinHostPort } from '../util/ip.js';

export const DEFAULT_ADDRESS = '127.53.0.10';
export const DEFAULT_PORT = 53;
export const FALLBACK_PORT = 1053;
export const METRICS_PORT = 9153;
/** As kubeadm's Corefile (`kubernetes ... { ttl 30 }`). */
export const DEFAULT_TTL = 30;

export interface DnsOptions {
  client: Client;
  log: Logger;
  /** `cluster.local` unless set. */
  clusterDomain?: string;
  listenAddress?: string;
  /** More addresses served over UDP and TCP on the same port: in dual-stack, the IPv6 one
   *  beside an IPv4 listenAddress (a pod's second podIP). Worker processes and metrics stay on
   *  listenAddress; these are read in this process. */
  extraAddresses?: string[];
  /** Unset: 53, or FALLBACK_PORT when 53 cannot be bound. 0: any free port (tests). */
  port?: number;
  /** Upstream resolvers (`IP` or `IP:port`); unset: the host's /etc/resolv.conf. */
  upstreams?: string[];
  ttl?: number;
  /** The metrics HTTP port; 0: any free port. */
  metricsPort?: number;
  /** Processes reading UDP; above 1, worker processes share the socket (udp-workers.ts). */
  workers?: number;
  /** The service and pod CIDRs (either family): answered with authority in their reverse zones
   *  (CoreDNS `kubernetes cluster.local 10.96.0.0/12 fd00:96::/108`), so a PTR for an address
   *  there that no Service has is NXDOMAIN rather than forwarded. Unset: every reverse name
   *  the cluster does not know is forwarded (kubeadm's `fallthrough in-addr.arpa ip6.arpa`). */
  reverseCidrs?: string[];
  /** The kube-dns ClusterIPs when they are managed elsewhere (DNS running as pods behind a
   *  selector); unset: this server applies kube-dns with its own EndpointSlice. */
  clusterIPs?: string[];
}

export interface Dns {
  stop(): Promise<void>;
  address: string;
  /** address, then the extra ones. */
  addresses: string[];
  port: number;
  metrics: Registry;
  /** The UDP worker processes (none with one worker: UDP is served in this process). */
  workerPids: number[];
}

export async function startDns(opts: DnsOptions): Promise<Dns> {
  const log = opts.log.child({ component: 'dns' });
  const address = opts.listenAddress ?? DEFAULT_ADDRESS;
  const zone = (opts.clusterDomain ?? 'cluster.local').toLowerCase().replace(/^\.|\.$/g, '');
  const upstreams = opts.upstreams ?? hostUpstreams([address, ...(opts.extraAddresses ?? [])]);
  if (upstreams.length === 0) log.warn('no upstream DNS servers: names outside the cluster will fail (set --dns-upstream)');

  const metrics = new DnsMetrics();
  const cache = new DnsCache(opts.client);
  const records = { zone, ttl: opts.ttl ?? DEFAULT_TTL, nameservers: [] as string[], reverseZones: (opts.reverseCidrs ?? []).flatMap(reverseZones) };
  const upstream = new Upstream({ servers: upstreams });
  const handler = new Handler(cache, records, upstream, metrics);
  cache.onChange((changed) => handler.invalidate(changed));
  let synced = false;
  // Until the first lists arrive the handler answers SERVFAIL in the zone, never a false NXDOMAIN.
  cache.start().then(
    () => {
      synced = true;
      log.info('DNS cache synced');
    },
    (err: unknown) => log.error({ err }, 'DNS cache failed to start'),
  );

  const workers = opts.workers ?? 1;
  const { server, port } = await listen({ address, handler, metrics, log, udp: workers <= 1 }, opts.port);
  const servers = [server];
  const udpWorkers = workers > 1 ? new UdpWorkers({ address, port, count: workers, handler, metrics, log }) : undefined;
  try {
    await udpWorkers?.start();
    for (const extra of opts.extraAddresses ?? []) {
      const s = new DnsServer({ address: extra, port, handler, metrics, log });
      await s.listen();
      servers.push(s);
    }
  } catch (err) {
    await udpWorkers?.stop();
    await Promise.all(servers.map((s) => s.close()));
    throw err;
  }
  const addresses = [address, ...(opts.extraAddresses ?? [])];
  const metricsServer = http.createServer((req, res) => {
    // /ready as CoreDNS's ready plugin: only once the cache holds the cluster, so a DNS pod's
    // readiness probe keeps it out of kube-dns until it can answer.
    if (req.url === '/ready') return res.writeHead(synced ? 200 : 503).end(synced ? 'OK' : 'not synced');
    if (req.url !== '/metrics') return res.writeHead(404).end();
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  const metricsPort = await new Promise<number>((resolve, reject) => {
    metricsServer.once('error', reject);
    metricsServer.listen(opts.metricsPort ?? METRICS_PORT, address, () => resolve((metricsServer.address() as { port: number }).port));
  });

  const publish = !opts.clusterIPs;
  if (opts.clusterIPs) records.nameservers = opts.clusterIPs;
  else {
    try {
      records.nameservers = await applyKubeDnsService(opts.client, { addresses, dnsPort: port, metricsPort });
    } catch (err) {
      log.error({ err }, 'could not create the kube-dns Service');
    }
  }
  handler.clear(); // NS answers given before the name servers were known
  const where = addresses.map((a) => joinHostPort(a, port)).join(', ');
  log.info({ addresses, port, zone, upstreams, clusterIPs: records.nameservers }, `cluster DNS serving ${zone} on ${where}`);

  return {
    address,
    addresses,
    port,
    metrics: metrics.registry,
    workerPids: udpWorkers?.pids ?? [],
    async stop() {
      if (publish) await removeKubeDnsEndpoint(opts.client).catch(() => undefined);
      cache.stop();
      upstream.close();
      await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
      await udpWorkers?.stop();
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}

/** Binds the asked port; without one, 53 and then FALLBACK_PORT, warning loudly about the latter. */
async function listen(o: Omit<ServerOptions, 'port'>, port: number | undefined): Promise<{ server: DnsServer; port: number }> {
  const { address, log } = o;
  const server = new DnsServer({ ...o, port: port ?? DEFAULT_PORT });
  try {
    return { server, port: await server.listen() };
  } catch (err) {
    if (port !== undefined) throw err;
  }
  const fallback = new DnsServer({ ...o, port: FALLBACK_PORT });
  const bound = await fallback.listen();
  log.warn(
    `cluster DNS cannot bind ${address}:${DEFAULT_PORT} (taken, or ports below 1024 need root): serving on ${address}:${bound} instead ` +
      `(dig -p ${bound} @${address} NAME); the kube-dns ClusterIP answers on 53 only where the proxy may bind that port`,
  );
  return { server: fallback, port: bound };
}

/** The host's resolvers, minus ourselves (forwarding to ourselves would loop). */
function hostUpstreams(self: string[]): string[] {
  try {
    return parseResolvConf(readFileSync('/etc/resolv.conf', 'utf8')).nameservers.filter((ns) => !self.includes(ns));
  } catch {
    return [];
  }
}
