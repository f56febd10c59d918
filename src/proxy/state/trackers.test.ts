import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../../test/support/fake-clock.js';
import { service, slice } from '../../../test/proxy/objects.js';
import { applyChanges } from './change.js';
import { EndpointsChangeTracker, type EndpointsMap } from './endpoints-change-tracker.js';
import { ServiceChangeTracker, type ServicePortMap } from './service-change-tracker.js';

const svcA = service('a');
const relabelled = { ...svcA, metadata: { ...svcA.metadata, labels: { x: 'y' }, resourceVersion: '9' } };
const otherPort = service('a', { ports: [{ name: 'http', protocol: 'TCP', port: 81 }] });

test('ServiceChangeTracker records {previous, current} and drops no-ops', async (t) => {
  const cases: { name: string; steps: [typeof svcA | undefined, typeof svcA | undefined][]; pending: string[] }[] = [
    { name: 'add', steps: [[undefined, svcA]], pending: ['default/a'] },
    { name: 'add then delete cancels out', steps: [[undefined, svcA], [svcA, undefined]], pending: [] },
    { name: 'label change is not a datapath change', steps: [[svcA, relabelled]], pending: [] },
    { name: 'port change', steps: [[svcA, otherPort]], pending: ['default/a'] },
    { name: 'change and change back', steps: [[svcA, otherPort], [otherPort, svcA]], pending: [] },
    { name: 'headless service has no ports', steps: [[undefined, service('h', { clusterIP: 'None', clusterIPs: ['None'] })]], pending: [] },
    { name: 'ExternalName has no ports', steps: [[undefined, service('e', { type: 'ExternalName', clusterIP: '', clusterIPs: [] })]], pending: [] },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const tr = new ServiceChangeTracker(new FakeClock(0));
      for (const [p, n] of c.steps) tr.update(p, n);
      assert.deepEqual([...tr.checkout().keys()], c.pending);
      assert.equal(tr.checkout().size, 0, 'checkout empties');
    });
  }
});

test('ServiceChangeTracker keeps the first previous across several updates', () => {
  const tr = new ServiceChangeTracker(new FakeClock(0));
  const map: ServicePortMap = new Map();
  tr.update(undefined, svcA);
  applyChanges(map, tr.checkout());
  tr.update(svcA, otherPort);
  tr.update(otherPort, service('a', { ports: [{ name: 'http', protocol: 'TCP', port: 82 }] }));
  const c = tr.checkout().get('default/a')!;
  assert.equal([...c.previous.values()][0].port, 80);
  assert.equal([...c.current.values()][0].port, 82);
  applyChanges(map, new Map([['default/a', c]]));
  assert.deepEqual([...map.values()].map((p) => p.port), [82]);
});

test('EndpointsChangeTracker merges slices per service and drops no-ops', async (t) => {
  const s1 = slice('a', [{ ip: '127.244.0.1' }], undefined, 'a-1');
  const s2 = slice('a', [{ ip: '127.244.0.2' }, { ip: '127.244.0.1', ready: false }], undefined, 'a-2');
  const cases = [
    { name: 'one slice', steps: [[s1, false]], endpoints: ['127.244.0.1:8080'] },
    { name: 'two slices, duplicate address kept once (the ready copy)', steps: [[s1, false], [s2, false]], endpoints: ['127.244.0.1:8080', '127.244.0.2:8080'] },
    { name: 'slice removed', steps: [[s1, false], [s2, false], [s2, true]], endpoints: ['127.244.0.1:8080'] },
    { name: 'add and remove: nothing', steps: [[s1, false], [s1, true]], endpoints: undefined },
  ] as const;
  for (const c of cases) {
    await t.test(c.name, () => {
      const tr = new EndpointsChangeTracker('node-1', new FakeClock(0));
      const map: EndpointsMap = new Map();
      for (const [s, removed] of c.steps) tr.update(s, removed);
      const changes = tr.checkout();
      applyChanges(map, changes);
      const eps = map.get('default/a:http/TCP');
      assert.deepEqual(eps?.map((e) => `${e.ip}:${e.port}`), c.endpoints);
      if (c.endpoints) assert.ok(eps!.every((e) => e.ready));
    });
  }
});

test('EndpointsChangeTracker: an identical update after checkout is no change', () => {
  const tr = new EndpointsChangeTracker('node-1', new FakeClock(0));
  const s = slice('a', [{ ip: '127.244.0.1' }]);
  assert.equal(tr.update(s, false), true);
  tr.checkout();
  assert.equal(tr.update({ ...s, metadata: { ...s.metadata, resourceVersion: '5' } }, false), false);
  assert.equal(tr.checkout().size, 0);
});
