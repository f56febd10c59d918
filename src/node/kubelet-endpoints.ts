// The kubelet's own read-only endpoints, what `nodes/NAME/proxy/PATH` reaches: /healthz, /pods
// (the pods bound to this node, as a PodList), /metrics (kubelet-metrics.ts), /metrics/resource
// (resource-usage.ts) and /stats/summary (stats-summary.ts). Anything else is Go's default 404.
// Served on the agent's kubelet port, and in process by `up` for its nodes.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { R, type Client } from '../client/client.js';
import type { PodPlacement } from './pod-placement.js';
import { nodeUsage } from './resource-usage.js';
import { renderResourceMetrics, type UsageSample } from '../api/metrics/resource-metrics.js';
import type { Pod } from '../apis/core/pods.js';
import { renderKubeletMetrics } from './kubelet-metrics.js';
import { interfacesOf, renderSummary } from './stats-summary.js';

export type KubeletEndpoints = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void>;

function text(res: ServerResponse, code: number, body: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function json(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function prometheus(res: ServerResponse, body: string): void {
  res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export function kubeletEndpoints(client: Client, placement: PodPlacement, nodeName: string): KubeletEndpoints {
  const startMs = Date.now();
  // The last sample /stats/summary took: its CPU rates are against it.
  let previous: UsageSample | undefined;
  const podsHere = async (): Promise<Pod[]> => (await client.list<Pod>(R.pods, undefined, { fieldSelector: `spec.nodeName=${nodeName}` })).items;
  return async (req, res, path) => {
    const at = path.split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'Method Not Allowed\n');
    if (at === '/healthz') return text(res, 200, 'ok');
    if (at === '/pods' || at === '/pods/') return json(res, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: await podsHere() });
    if (at === '/metrics') return prometheus(res, renderKubeletMetrics(nodeName, await podsHere()));
    if (at === '/metrics/resource') return prometheus(res, renderResourceMetrics(await nodeUsage(client, placement, nodeName)));
    if (at === '/stats/summary' || at === '/stats/summary/') {
      const sample = await nodeUsage(client, placement, nodeName);
      const summary = renderSummary({ nodeName, nodeStartMs: startMs, sample, previous, pods: await podsHere(), nodeInterfaces: interfacesOf(), podInterfaces: interfacesOf });
      previous = sample;
      return json(res, summary);
    }
    text(res, 404, '404 page not found\n');
  };
}
