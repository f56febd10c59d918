// The DNS server's metrics, in its own registry (the lead decides where registries are served).

import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export class DnsMetrics {
  readonly registry = new Registry();
  /** Set by whoever counts replies in batches (cache hits): adds them before a scrape reads the counters. */
  beforeCollect: () => void = () => undefined;
  /** Replies by query type, rcode and transport. */
  readonly responses = new Counter({
    name: 'tinykube_dns_responses_total',
    help: 'DNS replies sent, by query type, response code and transport.',
    labelNames: ['type', 'rcode', 'proto'] as const,
    registers: [this.registry],
    collect: (): void => this.beforeCollect(),
  });
  readonly duration = new Histogram({
    name: 'tinykube_dns_request_duration_seconds',
    help: 'Time from receiving a DNS query to sending its reply, for replies computed afresh (cache hits are counted, not timed).',
    labelNames: ['source'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly cacheHits = new Counter({
    name: 'tinykube_dns_cache_hits_total',
    help: 'Forwarded questions answered from the cache.',
    registers: [this.registry],
    collect: (): void => this.beforeCollect(),
  });
  readonly cacheMisses = new Counter({
    name: 'tinykube_dns_cache_misses_total',
    help: 'Forwarded questions that went upstream.',
    registers: [this.registry],
  });
  readonly forwarded = new Counter({
    name: 'tinykube_dns_forward_requests_total',
    help: 'Questions outside the cluster zone, forwarded upstream (cached or not).',
    registers: [this.registry],
    collect: (): void => this.beforeCollect(),
  });
  /** Set by whoever owns the reply cache: how many replies it holds. */
  replyCacheSize: () => number = () => 0;
  readonly replyCacheEntries: Gauge = new Gauge({
    name: 'tinykube_dns_reply_cache_entries',
    help: 'Replies kept as wire bytes, ready to answer a repeated question.',
    registers: [this.registry],
    collect: (): void => this.replyCacheEntries.set(this.replyCacheSize()),
  });
  readonly dropped = new Counter({
    name: 'tinykube_dns_dropped_total',
    help: 'Messages dropped: too short to answer, replies rather than queries, or over the connection limit.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
}
