// Test support for logs.test.ts and exec.test.ts: an in-process API with a Running pod, and a
// plain HTTP server that hands requests to a subresource or upgrade handler as ApiServer does.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseRequestInfo, type ResourceRequest } from '../../src/api/request-info.js';
import type { SubresourceHandler } from '../../src/api/http/resource-handler.js';
import { sendError } from '../../src/api/http/respond.js';
import type { UpgradeHandler } from '../../src/api/server.js';
import type { Pod, PodStatus } from '../../src/apis/core/pods.js';
import type { Container } from '../../src/apis/core/pod-template.js';
import { R, type Client } from '../../src/client/client.js';

/** Creates a pod bound to node1 and sets its status as the agent would. */
export async function createPod(client: Client, name: string, containers: Container[], status: PodStatus, namespace = 'default'): Promise<Pod> {
  const pod = await client.create<Pod>(R.pods, namespace, { metadata: { name }, spec: { nodeName: 'node1', containers } });
  return client.update<Pod>(R.pods, namespace, { ...pod, status: { ...pod.status, ...status } }, { subresource: 'status' });
}

export function runningStatus(podIP: string, containers: string[]): PodStatus {
  return {
    phase: 'Running',
    podIP,
    podIPs: [{ ip: podIP }],
    hostIP: '127.0.0.1',
    containerStatuses: containers.map((name) => ({ name, ready: true, restartCount: 0, state: { running: { startedAt: new Date().toISOString() } } })),
  };
}

export interface HandlerServer {
  url: string;
  close(): Promise<void>;
}

/** Serves one handler on 127.0.0.1: subresource requests on 'request', upgrades on 'upgrade'. */
export async function serveHandler(h: { request?: SubresourceHandler; upgrade?: UpgradeHandler }): Promise<HandlerServer> {
  const info = (req: http.IncomingMessage): { info: ResourceRequest; url: URL } => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    return { info: parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams) as ResourceRequest, url };
  };
  const server = http.createServer((req, res) => {
    const { info: i, url } = info(req);
    // The Resource argument is unused by the node's handlers.
    h.request!(req, res, i, undefined as never, url).catch((e) => sendError(res, e));
  });
  server.on('upgrade', (req, socket, head) => h.upgrade!(req, socket, head, info(req).info));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** The Status of a refused upgrade (ws's 'unexpected-response'): its code and message. */
export function readRefusal(res: http.IncomingMessage): Promise<{ code: number; message: string }> {
  return new Promise((resolve) => {
    let body = '';
    res.on('data', (d: Buffer) => (body += d));
    res.on('end', () => resolve({ code: res.statusCode ?? 0, message: (JSON.parse(body) as { message: string }).message }));
  });
}
