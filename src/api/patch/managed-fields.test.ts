import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldSet, pathString } from './field-set.js';
import { decodeManagedFields, updateManagedFields } from './managed-fields.js';
import { serviceSchema } from '../../../test/support/patch-schemas.js';
import type { JsonObject } from './json-value.js';

const PORT80 = 'k:{"port":80,"protocol":"TCP"}';

function service(targetPort: number, extra: JsonObject = {}): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'webapp', namespace: 'default', uid: 'u1', labels: { app: 'webapp' } },
    spec: { ports: [{ port: 80, protocol: 'TCP', targetPort }], selector: { app: 'webapp' }, ...extra },
  };
}

const update = (live: JsonObject | undefined, updated: JsonObject, manager: string, now = '2024-01-01T00:00:00Z', subresource?: string) =>
  updateManagedFields({ live, updated, manager, schema: serviceSchema, apiVersion: 'v1', now, subresource });

const entries = (obj: JsonObject) => (obj.metadata as JsonObject).managedFields as JsonObject[];

test('FieldsV1 round trip and printed paths', () => {
  const fieldsV1 = {
    'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
    'f:spec': { 'f:ports': { [PORT80]: { '.': {}, 'f:port': {}, 'f:targetPort': {} } }, 'f:finalizers': { 'v:"x"': {} } },
  };
  const set = FieldSet.fromFieldsV1(fieldsV1);
  assert.deepEqual(set.toFieldsV1(), fieldsV1);
  assert.deepEqual(set.paths().map(pathString), [
    '.metadata.labels',
    '.metadata.labels.app',
    '.spec.finalizers[="x"]',
    '.spec.ports[port=80,protocol="TCP"]',
    '.spec.ports[port=80,protocol="TCP"].port',
    '.spec.ports[port=80,protocol="TCP"].targetPort',
  ]);
  assert.throws(() => FieldSet.fromFieldsV1({ 'x:y': {} }));
});

test('create: the creator owns every field it set, maps and lists included', () => {
  const got = update(undefined, service(8080), 'kubectl-client-side-apply');
  assert.deepEqual(entries(got), [
    {
      manager: 'kubectl-client-side-apply',
      operation: 'Update',
      apiVersion: 'v1',
      time: '2024-01-01T00:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
        'f:spec': {
          'f:ports': { '.': {}, [PORT80]: { '.': {}, 'f:port': {}, 'f:protocol': {}, 'f:targetPort': {} } },
          'f:selector': { '.': {}, 'f:app': {} },
        },
      },
    },
  ]);
});

test('update: changed fields move to the writer, unchanged ones stay, removed ones leave', () => {
  const created = update(undefined, service(8080, { clusterIP: '10.0.0.1' }), 'creator');
  const edited = service(9090);
  (edited.metadata as JsonObject).managedFields = entries(created); // a PUT sends them back
  const got = update(created, edited, 'kubectl-edit', '2024-01-02T00:00:00Z');
  const byManager = Object.fromEntries(entries(got).map((e) => [e.manager, e]));
  const creator = FieldSet.fromFieldsV1(byManager.creator.fieldsV1).paths().map(pathString);
  assert.ok(!creator.includes('.spec.ports[port=80,protocol="TCP"].targetPort'));
  assert.ok(!creator.includes('.spec.clusterIP'), 'a removed field leaves its owner');
  assert.ok(creator.includes('.spec.ports[port=80,protocol="TCP"].port'));
  assert.equal(byManager.creator.time, '2024-01-01T00:00:00Z');
  assert.deepEqual(byManager['kubectl-edit'].fieldsV1, { 'f:spec': { 'f:ports': { [PORT80]: { 'f:targetPort': {} } } } });
  assert.equal(byManager['kubectl-edit'].time, '2024-01-02T00:00:00Z');
});

test('update that changes nothing leaves managedFields as they were', () => {
  const created = update(undefined, service(8080), 'creator');
  const got = update(created, service(8080), 'other', '2024-02-01T00:00:00Z');
  assert.deepEqual(entries(got), entries(created));
});

test('managedFields sent by the client: [] resets, a new list replaces, a subresource cannot', () => {
  const created = update(undefined, service(8080), 'creator');
  const reset = service(8080, {});
  (reset.metadata as JsonObject).managedFields = [];
  assert.equal((update(created, reset, 'x').metadata as JsonObject).managedFields, undefined);

  const migrated = service(8080);
  const moved = entries(created).map((e) => ({ ...e, manager: 'kubectl', operation: 'Apply' }));
  (migrated.metadata as JsonObject).managedFields = moved;
  assert.deepEqual(entries(update(created, migrated, 'kubectl')), moved);

  assert.deepEqual(entries(update(created, migrated, 'kubectl', undefined, 'status')), entries(created));
});

test('entries of one identity are merged (Apply ignores apiVersion)', () => {
  const managers = decodeManagedFields([
    { manager: 'm', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:a': {} }, time: '1' },
    { manager: 'm', operation: 'Apply', apiVersion: 'v2', fieldsType: 'FieldsV1', fieldsV1: { 'f:b': {} }, time: '2' },
    { manager: 'm', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:c': {} } },
  ]);
  assert.ok(managers);
  assert.equal(managers.length, 2);
  assert.deepEqual(managers[0].fields.paths(), [['f:a'], ['f:b']]);
  assert.equal(managers[0].time, '2');
  assert.equal(decodeManagedFields([{ manager: 'm', operation: 'Nope' }]), undefined);
});
