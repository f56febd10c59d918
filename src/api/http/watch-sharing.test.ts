// Watchers of one write share its selectable fields and its encoded line (rest/shared-event.ts):
// each HTTP watcher must still get exactly its own events, in the bytes its own encoding gives.
// Writes answer with what a GET then returns, byte for byte (codec.ts asStored).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestApi, type TestApi } from '../../../test/support/api.js';
import { eventually } from '../../../test/support/eventually.js';
import { parseRequestInfo, type ResourceRequest } from '../request-info.js';
import { handleResource, DEFAULT_WATCH_LIMITS, type ResourceHandlerDeps } from './resource-handler.js';
import { sendError } from './respond.js';

interface Stream {
  lines: string[];
  close(): void;
}

describe('HTTP watches of one write', () => {
  let api: TestApi;
  let server: http.Server;
  let base: string;

  before(async () => {
    api = await startTestApi();
    const deps: ResourceHandlerDeps = {
      rest: api.rest,
      registry: api.rest.registry,
      subresources: new Map(),
      virtual: new Map(),
      now: () => new Date(),
      watchLimits: DEFAULT_WATCH_LIMITS,
      onSlowWatcher: () => {},
    };
    server = http.createServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      const info = parseRequestInfo(req.method!, url.pathname, url.searchParams) as ResourceRequest;
      handleResource(deps, req, res, info, url, { user: { username: 'test', groups: ['system:masters'] } }).catch((e) => sendError(res, e));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await api.close();
  });

  const send = async (method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<string> => {
    const res = await fetch(base + path, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': contentType } });
    const text = await res.text();
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
    return text;
  };

  const watch = (path: string, accept = 'application/json'): Stream => {
    const lines: string[] = [];
    let buffered = '';
    const req = http.get(base + path, { headers: { accept } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffered += chunk;
        const parts = buffered.split('\n');
        buffered = parts.pop()!;
        lines.push(...parts);
      });
    });
    req.on('error', () => {});
    return { lines, close: () => req.destroy() };
  };

  const pod = (name: string, labels: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { containers: [{ name: 'c', image: 'nginx' }] },
  });
  const events = (s: Stream) => s.lines.map((l) => JSON.parse(l) as { type: string; object: { kind: string; metadata: { name: string } } });
  const summary = (s: Stream) => events(s).map((e) => `${e.type} ${e.object.metadata.name}`);

  it('sends each watcher the events its selector and shape call for, the same bytes as a lone encoding', async () => {
    const rv = JSON.parse(await send('GET', '/api/v1/namespaces/default/pods')).metadata.resourceVersion as string;
    const from = `watch=true&resourceVersion=${rv}`;
    const all = watch(`/api/v1/namespaces/default/pods?${from}`);
    const all2 = watch(`/api/v1/namespaces/default/pods?${from}`);
    const onN1 = watch(`/api/v1/namespaces/default/pods?${from}&fieldSelector=spec.nodeName%3Dn1`);
    const onN2 = watch(`/api/v1/namespaces/default/pods?${from}&fieldSelector=spec.nodeName%3Dn2`);
    const web = watch(`/api/v1/namespaces/default/pods?${from}&labelSelector=app%3Dweb`);
    const meta = watch(`/api/v1/namespaces/default/pods?${from}`, 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1');
    const streams = [all, all2, onN1, onN2, web, meta];
    try {
      await send('POST', '/api/v1/namespaces/default/pods', pod('a', { app: 'web' }));
      await send('POST', '/api/v1/namespaces/default/pods', pod('b', { app: 'db' }));
      // Bound as the binding subresource binds (its handler is not wired into this server).
      await api.rest.mutate(api.rest.registry.lookup('', 'v1', 'pods')!, 'default', 'a', (p) => ({ ...p, spec: { ...p.spec, nodeName: 'n1' } }), { subresource: 'binding' });
      await api.rest.mutate(api.rest.registry.lookup('', 'v1', 'pods')!, 'default', 'b', (p) => ({ ...p, spec: { ...p.spec, nodeName: 'n2' } }), { subresource: 'binding' });
      // a leaves app=web.
      await send('PATCH', '/api/v1/namespaces/default/pods/a', { metadata: { labels: { app: 'api' } } }, 'application/merge-patch+json');
      await send('DELETE', '/api/v1/namespaces/default/pods/b?gracePeriodSeconds=0');
      await eventually(() => all.lines.length === 6 && all2.lines.length === 6 && meta.lines.length === 6 && onN2.lines.length >= 2 && web.lines.length >= 2, 5000, 'every stream got its events');

      assert.deepEqual(summary(all), ['ADDED a', 'ADDED b', 'MODIFIED a', 'MODIFIED b', 'MODIFIED a', 'DELETED b']);
      assert.deepEqual(summary(onN1), ['ADDED a', 'MODIFIED a']);
      assert.deepEqual(summary(onN2), ['ADDED b', 'DELETED b']);
      assert.deepEqual(summary(web), ['ADDED a', 'MODIFIED a', 'DELETED a']);
      assert.deepEqual(summary(meta), summary(all));
      assert.ok(events(meta).every((e) => e.object.kind === 'PartialObjectMetadata'));
      assert.ok(events(all).every((e) => e.object.kind === 'Pod'));

      // Shared bytes are the bytes each watcher's own encoding would give.
      assert.deepEqual(all2.lines, all.lines);
      for (const line of all.lines) assert.equal(line, JSON.stringify(JSON.parse(line)));
      const lineOf = (s: Stream, type: string, name: string, nth = 0) => s.lines.filter((l) => l.startsWith(`{"type":"${type}"`) && JSON.parse(l).object.metadata.name === name)[nth];
      assert.equal(lineOf(onN1, 'MODIFIED', 'a'), lineOf(all, 'MODIFIED', 'a', 1), 'the same write, the same bytes');
      // An event the watcher's selection turns into another type is its own line.
      assert.equal(lineOf(web, 'DELETED', 'a'), lineOf(all, 'MODIFIED', 'a', 1)!.replace('"type":"MODIFIED"', '"type":"DELETED"'));
      // A metadata watcher gets the metadata of the same write, not the whole pod.
      const metaA = JSON.parse(lineOf(meta, 'MODIFIED', 'a', 1)!).object;
      assert.deepEqual(metaA.metadata, JSON.parse(lineOf(all, 'MODIFIED', 'a', 1)!).object.metadata);
      assert.equal(metaA.spec, undefined);
    } finally {
      streams.forEach((s) => s.close());
    }
  });

  it('sends a version served from another its own conversion of the write', async () => {
    const v2 = watch('/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers?watch=true&resourceVersion=1');
    const v1 = watch('/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers?watch=true&resourceVersion=1');
    try {
      await send('POST', '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers', {
        apiVersion: 'autoscaling/v1',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'h' },
        spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 3, targetCPUUtilizationPercentage: 50 },
      });
      await eventually(() => v1.lines.length === 1 && v2.lines.length === 1, 5000, 'both versions saw the write');
      const [e1, e2] = [JSON.parse(v1.lines[0]!), JSON.parse(v2.lines[0]!)];
      assert.equal(e1.object.apiVersion, 'autoscaling/v1');
      assert.equal(e1.object.spec.targetCPUUtilizationPercentage, 50);
      assert.equal(e2.object.apiVersion, 'autoscaling/v2');
      assert.equal(e2.object.spec.metrics[0].resource.target.averageUtilization, 50);
      assert.equal(v1.lines[0], `{"type":"ADDED","object":${await send('GET', '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/h')}}`);
      assert.equal(v2.lines[0], `{"type":"ADDED","object":${await send('GET', '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/h')}}`);
    } finally {
      v1.close();
      v2.close();
    }
  });

  it('answers creates, updates and patches with the bytes a GET then returns', async () => {
    const path = '/api/v1/namespaces/default/pods';
    const created = await send('POST', path, pod('c', { app: 'web' }));
    assert.equal(created, await send('GET', `${path}/c`));
    const got = JSON.parse(created);
    const updated = await send('PUT', `${path}/c/status`, { ...got, status: { phase: 'Running', podIP: '10.0.0.9' } });
    assert.equal(updated, await send('GET', `${path}/c`));
    assert.equal(JSON.parse(updated).status.phase, 'Running');
    const patched = await send('PATCH', `${path}/c`, { metadata: { annotations: { a: 'b' } } }, 'application/strategic-merge-patch+json');
    assert.equal(patched, await send('GET', `${path}/c`));
    const replaced = await send('PUT', `${path}/c`, { ...JSON.parse(patched), metadata: { ...JSON.parse(patched).metadata, labels: { app: 'x' } } });
    assert.equal(replaced, await send('GET', `${path}/c`));
    const cm = await send('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm' }, data: { k: 'v' } });
    assert.equal(cm, await send('GET', '/api/v1/namespaces/default/configmaps/m'));
  });
});
