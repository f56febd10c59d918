// The kubelet's own read-only endpoints, what `nodes/NAME/proxy/PATH` reaches: /healthz, /pods
// (the pods bound to this node, as a PodList) and /metrics/resource (resource-usage.ts). Anything else is Go's default 404. Served
// on the agent's kubelet port, and in process by `up` for its own node.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { R, type Client } from '../client/client.js';
import type { PodPlacement } from './pod-placement.js';
import { nodeUsage } from './resource-usage.js';
import { renderResourceMetrics } from '../api/metrics/resource-metrics.js';

export type KubeletEndpoints = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void>;

function text(res: ServerResponse, code: number, body: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export function kubeletEndpoints(client: Client, placement: PodPlacement, nodeName: string): KubeletEndpoints {
  return async (req, res, path) => {
    const at = path.split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'Method Not Allowed\n');
    if (at === '/healthz') return text(res, 200, 'ok');
    if (at === '/pods' || at === '/pods/') {
      const { items } = await client.list(R.pods, undefined, { fieldSelector: `spec.nodeName=${nodeName}` });
      const body = JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    if (at === '/metrics/resource') {
      const body = renderResourceMetrics(await nodeUsage(client, placement, nodeName));
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    text(res, 404, '404 page not found\n');
  };
}
