// The live page on the API server's port: /ui/ serves the page's static files (the login form
// and the bundle, nothing of the cluster, so without a token); /ui/api/ (token required, as
// every API path) serves the page's stream (objects and traffic) and explain.

import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiServer } from '../../api/server.js';
import { errors } from '../../util/status-errors.js';
import { sendJson } from '../../api/http/respond.js';
import { R, type Client } from '../../client/client.js';
import type { Service } from '../../apis/core/service/types.js';
import type { EndpointSlice } from '../../apis/discovery/endpointslices.js';
import type { Node } from '../../apis/core/nodes.js';
import type { Pod } from '../../apis/core/pods.js';
import { explainView, parseExplainQuery } from './explain-view.js';
import { pageStream, type TrafficSource } from './page-stream.js';

/** Built by scripts/build-ui.mjs next to dist/cli. */
const UI_DIR = fileURLToPath(new URL('../../ui/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

export interface DashboardOptions {
  client: Client;
  traffic: TrafficSource;
  clusterDomain: string;
  clusterCIDR: string;
  /** How often the traffic stream reads the nodes' counters (default 1 s). */
  trafficIntervalMs?: number;
}

export function mountDashboard(server: ApiServer, o: DashboardOptions): void {
  server.addRoute('/ui/', async (_req, res, url) => {
    const name = url.pathname === '/ui/' ? 'index.html' : normalize(url.pathname.slice('/ui/'.length));
    if (name.startsWith('..') || !TYPES[extname(name)]) throw errors.noSuchPath();
    const body = await readFile(join(UI_DIR, name)).catch(() => {
      throw errors.noSuchPath();
    });
    res.writeHead(200, { 'Content-Type': TYPES[extname(name)], 'Content-Length': body.length, 'Cache-Control': 'no-cache' });
    res.end(body);
  }, { public: true });

  const stream = pageStream(o.client, o.traffic, o.trafficIntervalMs ?? 1000);
  server.addRoute('/ui/api/', async (req, res, url) => {
    if (req.method !== 'GET') throw errors.methodNotAllowed();
    if (url.pathname === '/ui/api/stream') return stream(req, res, url);
    if (url.pathname !== '/ui/api/explain') throw errors.noSuchPath();
    const q = parseExplainQuery(url.searchParams);
    const [services, slices, nodes, pods] = await Promise.all([
      o.client.list<Service>(R.services, q.namespace),
      o.client.list<EndpointSlice>(R.endpointSlices, q.namespace),
      o.client.list<Node>(R.nodes),
      o.client.list<Pod>(R.pods, q.namespace),
    ]);
    const modes = new Map<string, string>();
    await Promise.all(nodes.items.map(async (n) => modes.set(n.metadata.name!, (await o.traffic.report(n.metadata.name!).catch(() => undefined))?.mode ?? 'userspace')));
    const view = explainView(q, { services: services.items, slices: slices.items, nodes: nodes.items, pods: pods.items }, {
      modeOf: (n) => modes.get(n) ?? 'userspace',
      clusterDomain: o.clusterDomain,
      clusterCIDR: o.clusterCIDR,
    });
    sendJson(res, 200, view);
  });
}
