// The namespace controller against the in-process API: a deleted namespace is emptied, waits
// for what still finalizes, and goes; a watch that breaks is resumed, so a namespace deleted
// afterwards still goes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { startTestApi } from '../../test/support/api.js';
import { eventually } from '../../test/support/eventually.js';
import type { Namespace } from '../apis/core/namespaces.js';
import { R, type Client } from '../client/client.js';
import { NamespaceController } from './namespace.js';

const log = pino({ level: 'silent' });
const resources = [R.configMaps, R.services, R.pods];

async function namespaceWithObjects(client: Client, name: string, finalizers?: string[]): Promise<void> {
  await client.create(R.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  await client.create(R.configMaps, name, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', finalizers }, data: { a: '1' } });
  await client.create(R.services, name, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } });
}

const gone = (client: Client, name: string) => () =>
  client.get(R.namespaces, undefined, name).then(
    () => false,
    (e: { code?: number }) => e.code === 404,
  );

async function withController(client: Client, run: (c: NamespaceController) => Promise<void>): Promise<void> {
  const controller = new NamespaceController({ client, resources, log });
  await controller.start();
  try {
    await run(controller);
  } finally {
    controller.stop();
  }
}

test('a deleted namespace is emptied, stays Terminating while an object finalizes, then goes', async () => {
  const api = await startTestApi();
  const client = api.client();
  try {
    await withController(client, async () => {
      await namespaceWithObjects(client, 'shop', ['example.com/hold']);
      await client.delete(R.namespaces, undefined, 'shop');
      await eventually(async () => (await client.list(R.services, 'shop')).items.length === 0, 5_000, 'the Service deleted');
      const held = await client.get(R.configMaps, 'shop', 'held');
      assert.ok(held.metadata.deletionTimestamp, 'the ConfigMap is being deleted');
      const ns = await client.get<Namespace>(R.namespaces, undefined, 'shop');
      assert.ok(ns.metadata.deletionTimestamp, 'the namespace waits for its ConfigMap');
      await client.update(R.configMaps, 'shop', { ...held, metadata: { ...held.metadata, finalizers: [] } });
      await eventually(gone(client, 'shop'), 5_000, 'namespace shop gone');
    });
  } finally {
    await api.close();
  }
});

test('a namespace deleted after its watch broke still goes (the watch resumes)', async () => {
  const api = await startTestApi();
  const inner = api.client();
  // The connection under the namespace watch drops, as an HTTPS watch's socket can.
  const broken: (() => void)[] = [];
  const client: Client = Object.create(inner) as Client;
  client.watch = async (r, ns, opts, cb) => {
    const w = await inner.watch(r, ns, opts, cb);
    broken.push(() => {
      w.cancel();
      cb.end(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    });
    return w;
  };
  try {
    await withController(client, async () => {
      assert.equal(broken.length, 1);
      broken[0]();
      await namespaceWithObjects(inner, 'after-error');
      await inner.delete(R.namespaces, undefined, 'after-error');
      await eventually(gone(inner, 'after-error'), 5_000, 'namespace after-error gone');
      assert.equal((await inner.list(R.configMaps, 'after-error')).items.length, 0);
      assert.ok(broken.length >= 2, 'the watch was started again');
    });
  } finally {
    await api.close();
  }
});
