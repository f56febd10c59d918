import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../util/status-errors.js';
import { applyStrategicMergePatch } from './strategic-merge-patch.js';
import { deploymentSchema, serviceSchema } from '../../../test/support/patch-schemas.js';
import { schemaFor } from '../../apis/schema/index.js';
import type { ObjectSchema } from '../../apis/schema/types.js';

const svc = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'webapp', labels: { app: 'webapp' }, annotations: { a: '1' }, finalizers: ['x', 'y'] },
  spec: {
    ports: [
      { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
      { name: 'metrics', port: 9090, protocol: 'TCP' },
    ],
    selector: { app: 'webapp' },
    externalIPs: ['1.1.1.1'],
  },
};

const deploy = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd' },
  spec: {
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    template: {
      spec: {
        containers: [
          {
            name: 'a',
            image: 'nginx:1.25',
            args: ['y', 'z'],
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
            ],
            ports: [{ containerPort: 80 }, { containerPort: 81 }],
          },
          { name: 'b', image: 'busybox' },
        ],
      },
    },
  },
};

const cases: { name: string; obj: object; patch: unknown; schema?: ObjectSchema; want: unknown }[] = [
  {
    name: 'kubectl apply: change a port, delete the old one (KUBECTL-API §6.2)',
    obj: { spec: { ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } },
    patch: {
      spec: {
        '$setElementOrder/ports': [{ port: 8081 }],
        ports: [{ name: 'http', port: 8081, targetPort: 8080 }, { $patch: 'delete', port: 80 }],
      },
    },
    want: { spec: { ports: [{ name: 'http', port: 8081, targetPort: 8080 }] } },
  },
  {
    name: 'kubectl apply: Deployment with $retainKeys, rollingUpdate null, env/port/container deletes (§6.2)',
    obj: deploy,
    schema: deploymentSchema,
    patch: {
      spec: {
        strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' },
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'a' }],
            containers: [
              {
                '$setElementOrder/env': [{ name: 'A' }],
                '$setElementOrder/ports': [{ containerPort: 80 }],
                args: ['x'],
                env: [{ $patch: 'delete', name: 'B' }],
                image: 'nginx:1.26',
                name: 'a',
                ports: [{ $patch: 'delete', containerPort: 81 }],
              },
              { $patch: 'delete', name: 'b' },
            ],
          },
        },
      },
    },
    want: {
      ...deploy,
      spec: {
        strategy: { type: 'Recreate' },
        template: {
          spec: {
            containers: [
              { name: 'a', image: 'nginx:1.26', args: ['x'], env: [{ name: 'A', value: '1' }], ports: [{ containerPort: 80 }] },
            ],
          },
        },
      },
    },
  },
  {
    name: 'merge list: element merged by key, new key after the patched ones (k8s order rule)',
    obj: svc,
    patch: { spec: { ports: [{ port: 80, targetPort: 9000 }, { port: 443, name: 'https' }] } },
    want: {
      ...svc,
      spec: {
        ...svc.spec,
        ports: [
          { name: 'http', port: 80, targetPort: 9000, protocol: 'TCP' },
          { port: 443, name: 'https' },
          { name: 'metrics', port: 9090, protocol: 'TCP' },
        ],
      },
    },
  },
  {
    name: 'null deletes a field and a map entry; labels merge',
    obj: svc,
    patch: { metadata: { labels: { tier: 'web' }, annotations: { a: null } }, spec: { selector: null } },
    want: {
      ...svc,
      metadata: { ...svc.metadata, labels: { app: 'webapp', tier: 'web' }, annotations: {} },
      spec: { ports: svc.spec.ports, externalIPs: ['1.1.1.1'] },
    },
  },
  {
    name: 'atomic list replaces',
    obj: svc,
    patch: { spec: { externalIPs: ['2.2.2.2'] } },
    want: { ...svc, spec: { ...svc.spec, externalIPs: ['2.2.2.2'] } },
  },
  {
    name: 'primitive merge list: union, and $deleteFromPrimitiveList',
    obj: svc,
    patch: { metadata: { finalizers: ['z', 'x'], '$deleteFromPrimitiveList/finalizers': ['y'] } },
    want: { ...svc, metadata: { ...svc.metadata, finalizers: ['z', 'x'] } },
  },
  {
    name: '$patch: replace on a list keeps only the listed elements',
    obj: svc,
    patch: { spec: { ports: [{ port: 53, protocol: 'UDP' }, { $patch: 'replace' }] } },
    want: { ...svc, spec: { ...svc.spec, ports: [{ port: 53, protocol: 'UDP' }] } },
  },
  {
    name: '$patch: replace on a map',
    obj: svc,
    patch: { spec: { selector: { $patch: 'replace', run: 'x' } } },
    want: { ...svc, spec: { ...svc.spec, selector: { run: 'x' } } },
  },
  {
    name: '$patch: delete on a map empties it',
    obj: svc,
    patch: { metadata: { labels: { $patch: 'delete' } } },
    want: { ...svc, metadata: { ...svc.metadata, labels: {} } },
  },
  {
    name: '$patch: merge on a map is the default merge',
    obj: svc,
    patch: { metadata: { labels: { $patch: 'merge', tier: 'web' } } },
    want: { ...svc, metadata: { ...svc.metadata, labels: { app: 'webapp', tier: 'web' } } },
  },
  {
    name: '$setElementOrder reorders; live-only items stay where they were',
    obj: { spec: { ports: [{ port: 1 }, { port: 2 }, { port: 3 }] } },
    patch: { spec: { '$setElementOrder/ports': [{ port: 3 }, { port: 1 }] } },
    want: { spec: { ports: [{ port: 2 }, { port: 3 }, { port: 1 }] } },
  },
  {
    name: 'new items listed first in $setElementOrder come first',
    obj: { spec: { ports: [{ port: 1 }, { port: 2 }] } },
    patch: { spec: { '$setElementOrder/ports': [{ port: 0 }, { port: 1 }, { port: 2 }], ports: [{ port: 0 }] } },
    want: { spec: { ports: [{ port: 0 }, { port: 1 }, { port: 2 }] } },
  },
  {
    name: 'directives inside a new value are resolved, not stored',
    obj: { spec: {} },
    patch: { spec: { ports: [{ port: 1, $patch: 'merge' }, { port: 2 }, { port: 3, $patch: 'delete' }] } },
    want: { spec: { ports: [{ port: 1 }, { port: 2 }] } },
  },
  {
    name: 'a field of type any merges like a JSON merge patch (lists replace)',
    obj: { status: { a: { b: 1, c: [1, 2] } } },
    patch: { status: { a: { c: [3], d: null } } },
    want: { status: { a: { b: 1, c: [3] } } },
  },
  {
    name: 'type change: the patch value wins',
    obj: { spec: { selector: { app: 'x' } } },
    patch: { spec: { selector: 'oops' } },
    want: { spec: { selector: 'oops' } },
  },
];

for (const c of cases) {
  test(`strategic merge patch: ${c.name}`, () => {
    const before = structuredClone(c.obj);
    const patchBefore = structuredClone(c.patch);
    const got = applyStrategicMergePatch(c.obj, c.patch, c.schema ?? serviceSchema);
    assert.deepEqual(got, c.want);
    assert.deepEqual(c.obj, before, 'input object unchanged');
    assert.deepEqual(c.patch, patchBefore, 'patch unchanged');
  });
}

const errorCases: { name: string; patch: unknown; code: number; message: string | RegExp }[] = [
  { name: 'not an object', patch: [1], code: 400, message: 'json: cannot unmarshal array into Go value of type map[string]interface {}' },
  { name: 'bad $retainKeys', patch: { spec: { $retainKeys: 'type' } }, code: 400, message: 'invalid patch format of retainKeys' },
  {
    name: '$retainKeys not covering the patch',
    patch: { spec: { $retainKeys: ['type'], clusterIP: 'x' } },
    code: 422,
    message: 'the server rejected our request due to an error in our request',
  },
  {
    name: 'bad $setElementOrder',
    patch: { spec: { '$setElementOrder/ports': 'x' } },
    code: 400,
    message: 'invalid patch format of setElementOrder list',
  },
  {
    name: 'bad $deleteFromPrimitiveList',
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': 'x' } },
    code: 400,
    message: 'invalid patch format of primitive list',
  },
  { name: 'unknown $patch', patch: { spec: { $patch: 'nope' } }, code: 400, message: /^unknown patch type: nope in map/ },
  {
    name: 'element without merge key',
    patch: { spec: { ports: [{ name: 'x' }] } },
    code: 400,
    message: 'map: map[name:x] does not contain declared merge key: port',
  },
];

for (const c of errorCases) {
  test(`strategic merge patch rejects: ${c.name}`, () => {
    assert.throws(
      () => applyStrategicMergePatch(svc, c.patch, serviceSchema),
      (e: unknown) => e instanceof StatusError && e.code === c.code && (typeof c.message === 'string' ? e.message === c.message : c.message.test(e.message)),
    );
  });
}

test('strategic merge patch with the real Service and Deployment schemas', () => {
  const service = schemaFor('v1', 'Service');
  const deployment = schemaFor('apps/v1', 'Deployment');
  assert.ok(service && deployment);
  const got = applyStrategicMergePatch(
    svc,
    { spec: { '$setElementOrder/ports': [{ port: 8081 }, { port: 9090 }], ports: [{ port: 8081 }, { $patch: 'delete', port: 80 }] } },
    service,
  );
  assert.deepEqual((got as typeof svc).spec.ports, [{ port: 8081 }, { name: 'metrics', port: 9090, protocol: 'TCP' }]);

  const d = applyStrategicMergePatch(
    deploy,
    {
      spec: {
        strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' },
        template: { spec: { containers: [{ name: 'a', env: [{ $patch: 'delete', name: 'B' }] }, { $patch: 'delete', name: 'b' }] } },
      },
    },
    deployment,
  ) as typeof deploy;
  assert.deepEqual(d.spec.strategy, { type: 'Recreate' });
  assert.deepEqual(d.spec.template.spec.containers.map((c) => [c.name, c.env]), [['a', [{ name: 'A', value: '1' }]]]);
});
