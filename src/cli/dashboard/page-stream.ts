// The page's one stream (GET /ui/api/stream): the objects it draws, and a `traffic` event a
// tick with every node's per-endpoint rates. Each node's counters are read as
// nodes/NAME/proxy/traffic reads them (the proxy in this process, or the agent's kubelet port).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TrafficReport } from '../../proxy/traffic.js';
import { trafficRates } from './traffic-rates.js';
import type { TrafficEvent } from './wire.js';
import type { Client } from '../../client/client.js';
import { streamObjects } from './object-stream.js';

export interface TrafficSource {
  nodeNames(): Promise<string[]>;
  report(node: string): Promise<TrafficReport>;
}

/** A connection that ended mid-answer (a kubelet restarting, a reset): worth one more try, as
 *  for any GET. A refusal or a timeout is not: the node is down or slow, and the page says so
 *  this tick. (The busybox nc relay that once cut netns reads short is gone: dial.ts.) */
const CUT_SHORT = /Premature close|socket hang up|ECONNRESET/;

/** One node's counters; a read cut short is tried once more, as a GET may be. */
function reportOnce(source: TrafficSource, node: string): Promise<TrafficReport> {
  return source.report(node).catch((e: unknown) => {
    if (!CUT_SHORT.test(String((e as Error)?.message ?? e))) throw e;
    return source.report(node);
  });
}

/** One tick: every node read at once; a node that cannot be read is named with the reason. */
export async function readTraffic(source: TrafficSource, previous: Map<string, TrafficReport>, now: number): Promise<TrafficEvent> {
  const names = await source.nodeNames();
  const reads = await Promise.allSettled(names.map((n) => reportOnce(source, n)));
  const event: TrafficEvent = { at: now, nodes: [], endpoints: [] };
  reads.forEach((r, i) => {
    const node = names[i];
    if (r.status === 'rejected') return void event.nodes.push({ node, error: String((r.reason as Error)?.message ?? r.reason) });
    event.nodes.push({ node, mode: r.value.mode });
    event.endpoints.push(...trafficRates(previous.get(node), r.value));
    previous.set(node, r.value);
  });
  return event;
}

/** GET /ui/api/stream?namespace=NS: the namespace's objects (object-stream.ts) and a
 *  `traffic` event a tick, on one server-sent event stream. */
export function pageStream(client: Client, source: TrafficSource, intervalMs: number) {
  return async (_req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    res.flushHeaders();
    const send = (event: string, data: unknown): void => void (!res.destroyed && res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
    const objects = streamObjects(client, url.searchParams.get('namespace') ?? 'default', send);
    const previous = new Map<string, TrafficReport>();
    let timer: NodeJS.Timeout | undefined;
    const tick = async (): Promise<void> => {
      const event = await readTraffic(source, previous, Date.now()).catch((e: unknown) => ({ at: Date.now(), nodes: [{ node: '', error: String(e) }], endpoints: [] }));
      if (res.destroyed) return;
      send('traffic', event);
      timer = setTimeout(() => void tick(), intervalMs);
    };
    const closed = new Promise<void>((resolve) => res.once('close', resolve));
    void tick();
    await closed;
    clearTimeout(timer);
    objects.stop();
  };
}
