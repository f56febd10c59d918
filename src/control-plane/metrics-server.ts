// metrics.k8s.io served by the API server, as metrics-server does it: every node's
// /metrics/resource scraped each resolution period, the last two scrapes kept, and usage the
// rate between them (CPU) or the newest value (memory). Nothing is stored.

import type { Logger } from 'pino';
import type { Node } from '../apis/core/nodes.js';
import type { Pod } from '../apis/core/pods.js';
import type { NodeMetrics, PodMetrics, Usage as UsageFigures } from '../apis/metrics/metrics.js';
import { R, type Client } from '../client/client.js';
import { parseResourceMetrics, type Usage, type UsageSample } from '../api/metrics/resource-metrics.js';

/** metrics-server's smallest --metric-resolution. */
export const RESOLUTION_MS = 10_000;

export interface MetricsServerDeps {
  client: Client;
  /** A node's /metrics/resource text. */
  scrape(nodeName: string): Promise<string>;
  log: Logger;
  resolutionMs?: number;
}

/** Quantities as metrics-server writes them: nanocores and kibibytes. */
function figures(cpuCores: number, memoryBytes: number): UsageFigures {
  return { cpu: `${Math.max(0, Math.round(cpuCores * 1e9))}n`, memory: `${Math.round(memoryBytes / 1024)}Ki` };
}

/** Go's time.Duration text for whole milliseconds: `10s`, `10.05s`. */
const window = (ms: number): string => `${Number((ms / 1000).toFixed(3))}s`;

const rate = (a: Usage, b: Usage, seconds: number): number => (b.cpuSeconds - a.cpuSeconds) / seconds;

/** The node's and its pods' usage between two scrapes (a container restarted meanwhile has none). */
export function usageBetween(nodeName: string, older: UsageSample, newer: UsageSample): { node: NodeMetrics; pods: PodMetrics[] } {
  const seconds = (newer.timestampMs - older.timestampMs) / 1000;
  const timestamp = new Date(newer.timestampMs).toISOString().replace(/\.\d+Z$/, 'Z');
  const meta = { timestamp, window: window(newer.timestampMs - older.timestampMs) };
  const node: NodeMetrics = { apiVersion: 'metrics.k8s.io/v1beta1', kind: 'NodeMetrics', metadata: { name: nodeName, creationTimestamp: timestamp }, ...meta, usage: figures(rate(older.node, newer.node, seconds), newer.node.memoryBytes) };
  const before = new Map(older.containers.map((c) => [`${c.namespace}/${c.pod}/${c.container}/${c.startTime}`, c]));
  const pods = new Map<string, PodMetrics>();
  for (const c of newer.containers) {
    const prev = before.get(`${c.namespace}/${c.pod}/${c.container}/${c.startTime}`);
    if (!prev) continue;
    const key = `${c.namespace}/${c.pod}`;
    const pod = pods.get(key) ?? { apiVersion: 'metrics.k8s.io/v1beta1', kind: 'PodMetrics', metadata: { name: c.pod, namespace: c.namespace, creationTimestamp: timestamp }, ...meta, containers: [] };
    pod.containers.push({ name: c.container, usage: figures(rate(prev, c, seconds), c.memoryBytes) });
    pods.set(key, pod);
  }
  return { node, pods: [...pods.values()] };
}

export class MetricsServer {
  /** Per node, its last two scrapes (older first). */
  private readonly samples = new Map<string, UsageSample[]>();
  private timer: NodeJS.Timeout | undefined;
  private readonly resolutionMs: number;

  constructor(private readonly deps: MetricsServerDeps) {
    this.resolutionMs = deps.resolutionMs ?? RESOLUTION_MS;
  }

  start(): void {
    const tick = (): void => {
      void this.scrapeAll().finally(() => {
        if (this.timer) this.timer = setTimeout(tick, this.resolutionMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  nodes(): NodeMetrics[] {
    return this.current().map((u) => u.node);
  }

  /** With their pods' labels, which `kubectl top pods -l` selects on. */
  async pods(namespace: string | undefined): Promise<PodMetrics[]> {
    const { items } = await this.deps.client.list<Pod>(R.pods, namespace);
    const labels = new Map(items.map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p.metadata.labels]));
    return this.current().flatMap((u) =>
      u.pods
        .filter((p) => labels.has(`${p.metadata.namespace}/${p.metadata.name}`))
        .map((p) => ({ ...p, metadata: { ...p.metadata, labels: labels.get(`${p.metadata.namespace}/${p.metadata.name}`) ?? {} } })),
    );
  }

  private current(): ReturnType<typeof usageBetween>[] {
    return [...this.samples].filter(([, s]) => s.length === 2).map(([name, [a, b]]) => usageBetween(name, a!, b!));
  }

  private async scrapeAll(): Promise<void> {
    let names: string[];
    try {
      names = (await this.deps.client.list<Node>(R.nodes)).items.map((n) => n.metadata.name!);
    } catch (err) {
      return this.deps.log.warn({ err }, 'metrics: could not list nodes');
    }
    for (const gone of [...this.samples.keys()].filter((n) => !names.includes(n))) this.samples.delete(gone);
    await Promise.all(
      names.map(async (name) => {
        try {
          const sample = parseResourceMetrics(await this.deps.scrape(name), Date.now());
          this.samples.set(name, [...(this.samples.get(name) ?? []), sample].slice(-2));
        } catch (err) {
          // As metrics-server: a node that cannot be scraped has no metrics until it can.
          this.samples.delete(name);
          this.deps.log.debug({ err, node: name }, 'metrics: could not scrape a node');
        }
      }),
    );
  }
}
