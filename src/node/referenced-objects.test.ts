// ReferencedObjects against an in-process API: a key is watched while at least one pod holds it,
// once however many hold it, and not at all after the last one lets go.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi, type TestApi } from '../../test/support/api.js';
import { eventually } from '../../test/support/eventually.js';
import { R, type Client } from '../client/client.js';
import type { ConfigMap } from '../apis/core/configmaps.js';
import { ReferencedObjects } from './referenced-objects.js';

/** The client, counting the watches it opens (each Informer start opens one). */
function countingWatches(client: Client): { client: Client; watches: () => number } {
  let n = 0;
  const counted = Object.create(client) as Client;
  counted.watch = (...args: Parameters<Client['watch']>) => {
    n++;
    return client.watch(...args);
  };
  return { client: counted, watches: () => n };
}

const configMap = (name: string, value: string): ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { k: value } });

describe('ReferencedObjects', () => {
  let api: TestApi;
  let client: Client;
  before(async () => {
    api = await startTestApi();
    client = api.client();
    await client.create(R.configMaps, 'default', configMap('shared', '1'));
    await client.create(R.configMaps, 'default', configMap('own', '1'));
  });
  after(() => api.close());

  it('watches a key once while any pod holds it, and stops when the last lets go', async () => {
    const { client: counted, watches } = countingWatches(client);
    const objects = new ReferencedObjects<ConfigMap>(counted, R.configMaps);
    const seen: string[] = [];
    objects.on({ update: (_, cm) => void seen.push(`${cm.metadata.name}=${cm.data?.k}`) });
    try {
      // Two pods hold `shared`, one of them `own` too: two watches, both read before hold resolves.
      await objects.hold(['default/shared', 'default/own']);
      await objects.hold(['default/shared']);
      assert.equal(watches(), 2);
      assert.equal(objects.get('default', 'shared')?.data?.k, '1');
      assert.equal(objects.get('default', 'own')?.data?.k, '1');

      // The first pod goes: `shared` is still held by the second, `own` by nobody.
      objects.release(['default/shared', 'default/own']);
      assert.equal(objects.get('default', 'own'), undefined);
      await client.update(R.configMaps, 'default', configMap('shared', '2'));
      await eventually(() => seen.includes('shared=2'), 5_000, 'the update of a key still held');

      // The second goes too: nothing is watched; holding again opens a new watch.
      objects.release(['default/shared']);
      assert.equal(objects.get('default', 'shared'), undefined);
      await client.update(R.configMaps, 'default', configMap('own', '2'));
      await objects.hold(['default/shared']);
      assert.equal(watches(), 3);
      assert.equal(objects.get('default', 'shared')?.data?.k, '2');
      assert.ok(!seen.some((s) => s.startsWith('own=')), `no event of a released key: ${seen.join(', ')}`);
    } finally {
      objects.stop();
    }
  });
});
