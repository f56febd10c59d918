// apiserver_request_total counts each resource request once, when its response is over, with
// kube-apiserver's verbs (LIST, WATCH, APPLY) and labels.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RequestMetrics } from './request-metrics.js';
import { parseRequestInfo, type ResourceRequest } from '../request-info.js';

describe('RequestMetrics', () => {
  it('counts requests by verb, resource, subresource, scope and code once they are answered', async () => {
    const metrics = new RequestMetrics();
    const server = http.createServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      metrics.observe(req, res, parseRequestInfo(req.method!, url.pathname, url.searchParams) as ResourceRequest);
      res.statusCode = url.searchParams.get('code') ? Number(url.searchParams.get('code')) : 200;
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const call = async (method: string, path: string, contentType = 'application/json') =>
        (await fetch(base + path, { method, headers: { 'content-type': contentType }, body: method === 'GET' || method === 'DELETE' ? undefined : '{}' })).text();
      await call('GET', '/api/v1/namespaces/default/pods');
      await call('GET', '/api/v1/pods');
      await call('GET', '/api/v1/namespaces/default/pods?watch=true');
      await call('GET', '/api/v1/namespaces/default/pods/p');
      await call('GET', '/api/v1/namespaces/default/pods/q?code=404');
      await call('PUT', '/api/v1/namespaces/default/pods/p/status');
      await call('PUT', '/api/v1/namespaces/default/pods/p/status');
      await call('PATCH', '/apis/apps/v1/namespaces/default/deployments/d', 'application/apply-patch+yaml');
      await call('POST', '/api/v1/namespaces/default/events', 'application/json');
      const text = await metrics.registry.metrics();
      const count = (labels: string) => Number(new RegExp(`^apiserver_request_total\\{${labels.replace(/[{}]/g, '\\$&')}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
      assert.equal(count('verb="LIST",group="",version="v1",resource="pods",subresource="",scope="namespace",code="200"'), 1);
      assert.equal(count('verb="LIST",group="",version="v1",resource="pods",subresource="",scope="cluster",code="200"'), 1);
      assert.equal(count('verb="WATCH",group="",version="v1",resource="pods",subresource="",scope="namespace",code="200"'), 1);
      assert.equal(count('verb="GET",group="",version="v1",resource="pods",subresource="",scope="resource",code="200"'), 1);
      assert.equal(count('verb="GET",group="",version="v1",resource="pods",subresource="",scope="resource",code="404"'), 1);
      assert.equal(count('verb="PUT",group="",version="v1",resource="pods",subresource="status",scope="resource",code="200"'), 2);
      assert.equal(count('verb="APPLY",group="apps",version="v1",resource="deployments",subresource="",scope="resource",code="200"'), 1);
      assert.equal(count('verb="POST",group="",version="v1",resource="events",subresource="",scope="namespace",code="200"'), 1);
      assert.equal((text.match(/^apiserver_request_total\{/gm) ?? []).length, 8);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
