import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../util/status-errors.js';
import { schemaFor } from '../../apis/schema/index.js';
import type { ObjectSchema } from '../../apis/schema/types.js';
import type { JsonObject } from './json-value.js';
import { LAST_APPLIED } from './last-applied.js';
import { updateManagedFields } from './managed-fields.js';
import { serverSideApply } from './server-side-apply.js';
import { deploymentSchema, serviceSchema } from '../../../test/support/patch-schemas.js';

const NOW = '2024-01-01T00:00:00Z';
const PORT80 = 'k:{"port":80,"protocol":"TCP"}';

function svc(spec: JsonObject, metadata: JsonObject = {}): JsonObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: 'webapp', namespace: 'default', ...metadata }, spec };
}

function apply(live: JsonObject | undefined, applied: JsonObject, manager = 'kubectl', force = false, schema: ObjectSchema = serviceSchema) {
  const apiVersion = String(applied.apiVersion);
  return serverSideApply({ live, applied, manager, force, schema, apiVersion, now: NOW });
}

/** The object as stored after a create: identity filled in. */
function stored(obj: JsonObject): JsonObject {
  const meta = obj.metadata as JsonObject;
  return { ...obj, metadata: { ...meta, uid: 'u1', resourceVersion: '5', creationTimestamp: NOW } };
}

const managers = (obj: JsonObject) =>
  Object.fromEntries(((obj.metadata as JsonObject).managedFields as JsonObject[]).map((e) => [e.manager, e]));

test('apply creates: the object is the configuration, the applier owns its fields', () => {
  const got = apply(undefined, svc({ ports: [{ port: 80, targetPort: 8080 }], selector: { app: 'web' } }, { labels: { app: 'web' } }));
  assert.deepEqual(got, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'webapp',
      namespace: 'default',
      labels: { app: 'web' },
      managedFields: [
        {
          manager: 'kubectl',
          operation: 'Apply',
          apiVersion: 'v1',
          time: NOW,
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:metadata': { 'f:labels': { 'f:app': {} } },
            'f:spec': { 'f:ports': { [PORT80]: { '.': {}, 'f:port': {}, 'f:targetPort': {} } }, 'f:selector': { 'f:app': {} } },
          },
        },
      ],
    },
    spec: { ports: [{ port: 80, targetPort: 8080 }], selector: { app: 'web' } },
  });
});

test('re-apply without a port removes it, keeps server-set fields and live identity', () => {
  const first = stored(apply(undefined, svc({ ports: [{ port: 80 }, { port: 443 }] })));
  (first.spec as JsonObject).clusterIP = '10.0.0.7'; // set by the server, owned by nobody
  const got = apply(first, svc({ ports: [{ port: 443 }] }, { resourceVersion: '1' }));
  assert.deepEqual(got.spec, { ports: [{ port: 443 }], clusterIP: '10.0.0.7' });
  const meta = got.metadata as JsonObject;
  assert.equal(meta.uid, 'u1');
  assert.equal(meta.resourceVersion, '5');
  assert.deepEqual(managers(got).kubectl.fieldsV1, { 'f:spec': { 'f:ports': { 'k:{"port":443,"protocol":"TCP"}': { '.': {}, 'f:port': {} } } } });
});

test('a dropped field another manager also owns stays', () => {
  const first = stored(apply(undefined, svc({ type: 'NodePort', ports: [{ port: 80 }] })));
  const shared = apply(first, svc({ type: 'NodePort' }), 'helm');
  const got = apply(shared, svc({ ports: [{ port: 80 }] }));
  assert.equal((got.spec as JsonObject).type, 'NodePort');
  assert.deepEqual(managers(got).helm.fieldsV1, { 'f:spec': { 'f:type': {} } });
});

test('kubectl-last-applied applies only the annotation: it merges, spec stays (KUBECTL-API §6.3)', () => {
  const first = stored(apply(undefined, svc({ ports: [{ port: 80 }] })));
  const { spec: _, ...annotationOnly } = svc({}, { annotations: { [LAST_APPLIED]: '{}' } });
  const got = apply(first, annotationOnly, 'kubectl-last-applied');
  assert.deepEqual(got.spec, { ports: [{ port: 80 }] });
  assert.deepEqual(managers(got)['kubectl-last-applied'].fieldsV1, { 'f:metadata': { 'f:annotations': { [`f:${LAST_APPLIED}`]: {} } } });
  assert.ok(managers(got).kubectl);
});

/** An object made by client-side apply: owned by kubectl-client-side-apply (Update). */
function clientSideApplied(targetPort: number, withAnnotation = true): JsonObject {
  const config = svc({ ports: [{ port: 80, protocol: 'TCP', targetPort }] });
  const annotations = withAnnotation ? { [LAST_APPLIED]: `${JSON.stringify(config)}\n` } : {};
  const obj = svc(config.spec as JsonObject, { annotations });
  return stored(
    updateManagedFields({ live: undefined, updated: obj, manager: 'kubectl-client-side-apply', schema: serviceSchema, apiVersion: 'v1', now: NOW }),
  );
}

test('changing a field another manager owns is a conflict worded like the apiserver', () => {
  const live = clientSideApplied(8080, false);
  assert.throws(
    () => apply(live, svc({ ports: [{ port: 80, targetPort: 9090 }] }), 'deployer'),
    (e: unknown) => {
      assert.ok(e instanceof StatusError);
      assert.equal(e.code, 409);
      assert.equal(e.reason, 'Conflict');
      assert.equal(
        e.message,
        'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .spec.ports[port=80,protocol="TCP"].targetPort',
      );
      assert.deepEqual(e.details, {
        causes: [
          {
            reason: 'FieldManagerConflict',
            message: 'conflict with "kubectl-client-side-apply" using v1',
            field: '.spec.ports[port=80,protocol="TCP"].targetPort',
          },
        ],
      });
      return true;
    },
  );
});

test('several conflicts are listed by manager', () => {
  const live = apply(stored(apply(undefined, svc({ type: 'NodePort' }), 'a')), svc({ clusterIP: '10.0.0.1', ports: [{ port: 80, name: 'x' }] }), 'b');
  assert.throws(
    () => apply(live, svc({ type: 'ClusterIP', clusterIP: '10.0.0.2', ports: [{ port: 80, name: 'y' }] }), 'c'),
    (e: unknown) =>
      e instanceof StatusError &&
      e.message ===
        'Apply failed with 3 conflicts: conflicts with "a":\n- .spec.type\nconflicts with "b":\n- .spec.clusterIP\n- .spec.ports[port=80,protocol="TCP"].name',
  );
});

test('force takes the field over; the same value is shared without a conflict', () => {
  const live = clientSideApplied(8080, false);
  const forced = apply(live, svc({ ports: [{ port: 80, targetPort: 9090 }] }), 'deployer', true);
  assert.deepEqual((forced.spec as JsonObject).ports, [{ port: 80, protocol: 'TCP', targetPort: 9090 }]);
  const csa = JSON.stringify(managers(forced)['kubectl-client-side-apply'].fieldsV1);
  assert.ok(!csa.includes('targetPort') && csa.includes('f:port'));

  const same = apply(live, svc({ ports: [{ port: 80, targetPort: 8080 }] }), 'deployer');
  assert.ok(JSON.stringify(managers(same)['kubectl-client-side-apply'].fieldsV1).includes('targetPort'));
  assert.ok(JSON.stringify(managers(same).deployer.fieldsV1).includes('targetPort'));
});

test('kubectl takes over what its client-side apply last set (the upgrade path) and syncs the annotation', () => {
  const live = clientSideApplied(8080);
  const config = svc({ ports: [{ port: 80, targetPort: 9090 }] });
  const got = apply(live, config);
  assert.deepEqual((got.spec as JsonObject).ports, [{ port: 80, protocol: 'TCP', targetPort: 9090 }]);
  const annotation = ((got.metadata as JsonObject).annotations as JsonObject)[LAST_APPLIED];
  assert.equal(
    annotation,
    '{"apiVersion":"v1","kind":"Service","metadata":{"name":"webapp","namespace":"default"},"spec":{"ports":[{"port":80,"targetPort":9090}]}}\n',
  );
  // Another manager gets no such pass.
  assert.throws(() => apply(live, config, 'deployer'), (e: unknown) => e instanceof StatusError && e.code === 409);
});

test('list merge keeps the configuration order and live-only items in place', () => {
  const live = apply(stored(apply(undefined, svc({ ports: [{ port: 1 }, { port: 2 }, { port: 3 }] }), 'a')), svc({}), 'b');
  const got = apply(live, svc({ ports: [{ port: 3 }, { port: 1 }] }), 'b');
  assert.deepEqual((got.spec as JsonObject).ports, [{ port: 2 }, { port: 3 }, { port: 1 }]);
});

test('Deployment: dropping strategy and an env var removes them; atomic selector replaced', () => {
  const base = (strategy: JsonObject | undefined, env: JsonObject[]): JsonObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd' },
    spec: {
      selector: { matchLabels: { app: 'd' } },
      ...(strategy ? { strategy } : {}),
      template: { spec: { containers: [{ name: 'a', image: 'nginx', env }] } },
    },
  });
  const first = stored(
    apply(undefined, base({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } }, [{ name: 'A', value: '1' }, { name: 'B', value: '2' }]), 'kubectl', false, deploymentSchema),
  );
  const got = apply(first, base(undefined, [{ name: 'A', value: '1' }]), 'kubectl', false, deploymentSchema);
  const spec = got.spec as JsonObject;
  assert.equal(spec.strategy, undefined);
  assert.deepEqual(spec.template, { spec: { containers: [{ name: 'a', image: 'nginx', env: [{ name: 'A', value: '1' }] }] } });
  const fields = JSON.stringify(managers(got).kubectl.fieldsV1);
  assert.ok(fields.includes('"f:selector":{}'), 'an atomic struct is one field');
});

const errorCases: { name: string; applied: JsonObject; code: number; message: string }[] = [
  { name: 'managedFields in the configuration', applied: svc({}, { managedFields: [] }), code: 400, message: 'metadata.managedFields must be nil' },
  {
    name: 'another apiVersion',
    applied: { ...svc({}), apiVersion: 'v2' },
    code: 400,
    message: 'Incorrect version specified in apply patch. Specified patch version: v2, expected: v1',
  },
  {
    name: 'duplicate list keys',
    applied: svc({ ports: [{ port: 80 }, { port: 80, protocol: 'TCP' }] }),
    code: 400,
    message: 'failed to create typed patch object: .spec.ports: duplicate entries for key [port=80,protocol="TCP"]',
  },
  {
    name: 'an item without its key',
    applied: svc({ ports: [{ name: 'x' }] }),
    code: 400,
    message:
      'failed to create typed patch object: .spec.ports: element 0: associative list with keys has an element that omits key field "port" (and doesn\'t have default value)',
  },
];

for (const c of errorCases) {
  test(`apply rejects: ${c.name}`, () => {
    assert.throws(
      () => serverSideApply({ live: undefined, applied: c.applied, manager: 'm', force: false, schema: serviceSchema, apiVersion: 'v1', now: NOW }),
      (e: unknown) => e instanceof StatusError && e.code === c.code && e.message === c.message,
    );
  });
}

test('apply with the real Service and Deployment schemas', () => {
  const service = schemaFor('v1', 'Service');
  const deployment = schemaFor('apps/v1', 'Deployment');
  assert.ok(service && deployment);
  const config = svc({ ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }], selector: { app: 'web' } });
  const created = stored(serverSideApply({ live: undefined, applied: config, manager: 'kubectl', force: false, schema: service, apiVersion: 'v1', now: NOW }));
  const again = serverSideApply({
    live: created,
    applied: svc({ ports: [{ port: 81, protocol: 'TCP' }], selector: { app: 'web' } }),
    manager: 'kubectl',
    force: false,
    schema: service,
    apiVersion: 'v1',
    now: NOW,
  });
  assert.deepEqual((again.spec as JsonObject).ports, [{ port: 81, protocol: 'TCP' }]);

  const d = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd' },
    spec: { template: { spec: { containers: [{ name: 'a', image: 'nginx', ports: [{ containerPort: 80, protocol: 'TCP' }] }] } } },
  };
  const got = serverSideApply({ live: undefined, applied: d, manager: 'kubectl', force: false, schema: deployment, apiVersion: 'apps/v1', now: NOW });
  assert.ok(JSON.stringify(got).includes('k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}'));
});
