// How long the Handler keeps a computed reply: against a real cache over the in-process API.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket from 'dns-packet';
import { startTestApi, type TestApi } from '../../test/support/api.js';
import { R } from '../client/client.js';
import { DnsCache } from './cache.js';
import { Handler } from './handler.js';
import { DnsMetrics } from './metrics.js';
import { Upstream } from './upstream.js';
import { eventually } from '../../test/support/eventually.js';

const query = (name: string, type = 'A'): Buffer => dnsPacket.encode({ type: 'query', id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as 'A' }] });

describe('Handler keeps', () => {
  let api: TestApi;
  let cache: DnsCache;
  let handler: Handler;
  before(async () => {
    api = await startTestApi();
    const client = api.client();
    await client.create(R.namespaces, undefined, { metadata: { name: 'web' } });
    await client.create(R.services, 'web', { metadata: { name: 'front', namespace: 'web' }, spec: { clusterIP: '127.96.3.1', ports: [{ port: 80 }] } });
    cache = new DnsCache(client);
    await cache.start();
    handler = new Handler(cache, { zone: 'cluster.local', ttl: 30, nameservers: [] }, new Upstream({ servers: [] }), new DnsMetrics());
    cache.onChange((changed) => handler.invalidate(changed));
  });
  after(async () => {
    cache.stop();
    await api.close();
  });

  it('a zone answer until what it read changes, not for a TTL', async () => {
    const computed = await handler.compute(query('front.web.svc.cluster.local'), 'udp');
    assert.equal(computed?.label.rcode, 'NOERROR');
    assert.equal(computed?.stored?.expires, Infinity);
    assert.ok(handler.stored(query('front.web.svc.cluster.local'), 'udp'));
    await api.client().delete(R.services, 'web', 'front');
    await eventually(() => handler.stored(query('front.web.svc.cluster.local'), 'udp') === undefined, 5000, 'the reply to be dropped');
  });

  it('a reply with the SOA (its serial moves with any change) for the TTL only', async () => {
    const now = Date.now();
    for (const [name, type] of [['nope.web.svc.cluster.local', 'A'], ['web.svc.cluster.local', 'A'], ['cluster.local', 'SOA']]) {
      const computed = await handler.compute(query(name, type), 'udp');
      const expires = computed?.stored?.expires ?? 0;
      assert.ok(expires >= now + 30_000 && expires < now + 60_000, `${name} ${type}: expires in ${expires - now} ms`);
    }
  });
});
