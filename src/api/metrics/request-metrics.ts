// apiserver_request_total, as kube-apiserver counts it: one per resource request when its
// response ends, by verb (LIST and WATCH apart from GET, APPLY apart from PATCH), group,
// version, resource, subresource, scope and HTTP code. What a workload costs the server
// starts with how many of which requests it makes.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Registry } from 'prom-client';
import type { ResourceRequest } from '../request-info.js';

export class RequestMetrics {
  readonly registry = new Registry();
  private readonly total = new Counter({
    name: 'apiserver_request_total',
    help: 'Counter of apiserver requests broken out for each verb, group, version, resource, subresource, scope and HTTP response code.',
    labelNames: ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'code'] as const,
    registers: [this.registry],
  });

  /** Counts the request once its response is over (a watch's when it ends). */
  observe(req: IncomingMessage, res: ServerResponse, info: ResourceRequest): void {
    res.once('close', () =>
      this.total.inc({
        verb: verbOf(req, info),
        group: info.group,
        version: info.version,
        resource: info.resource,
        subresource: info.subresource ?? '',
        scope: info.name ? 'resource' : info.namespace !== undefined ? 'namespace' : 'cluster',
        code: String(res.statusCode),
      }),
    );
  }
}

function verbOf(req: IncomingMessage, info: ResourceRequest): string {
  if (info.verb === 'list' || info.verb === 'watch') return info.verb.toUpperCase();
  if (req.method === 'PATCH' && req.headers['content-type']?.startsWith('application/apply-patch')) return 'APPLY';
  return req.method ?? 'GET';
}
