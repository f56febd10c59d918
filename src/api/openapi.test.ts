import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openApiV3GroupVersion, openApiV3Root, type ResourceRef } from './openapi.js';

const resources: ResourceRef[] = [
  { group: '', version: 'v1', kind: 'Namespace', resource: 'namespaces', namespaced: false, subresources: ['status'] },
  { group: '', version: 'v1', kind: 'Service', resource: 'services', namespaced: true, subresources: ['status'] },
  { group: '', version: 'v1', kind: 'Pod', resource: 'pods', namespaced: true, subresources: ['status', 'binding', 'log', 'exec'] },
  { group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments', namespaced: true, subresources: ['status', 'scale'] },
  { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', resource: 'endpointslices', namespaced: true, subresources: [] },
];

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const core = openApiV3GroupVersion('api/v1', resources) as Json;
const apps = openApiV3GroupVersion('apis/apps/v1', resources) as Json;
const schemas = core.components.schemas as Json;

/** Follows `allOf: [{$ref}]` or `$ref` to a component. */
function deref(doc: Json, s: Json): Json {
  const r: string = s.$ref ?? s.allOf?.[0]?.$ref;
  return r ? doc.components.schemas[r.replace('#/components/schemas/', '')] : s;
}

test('root lists each group/version with a content hash', () => {
  const root = openApiV3Root(resources) as Json;
  assert.deepEqual(Object.keys(root.paths), ['api/v1', 'apis/apps/v1', 'apis/discovery.k8s.io/v1']);
  assert.match(root.paths['api/v1'].serverRelativeURL, /^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);
  assert.deepEqual(openApiV3Root(resources), root, 'stable');
  const fewer = openApiV3Root(resources.filter((r) => r.kind !== 'Pod')) as Json;
  assert.notEqual(fewer.paths['api/v1'].serverRelativeURL, root.paths['api/v1'].serverRelativeURL);
  assert.equal(fewer.paths['apis/apps/v1'].serverRelativeURL, root.paths['apis/apps/v1'].serverRelativeURL);
});

test('an unknown group/version has no document', () => {
  assert.equal(openApiV3GroupVersion('apis/batch/v1', resources), undefined);
});

const patchOps: { name: string; doc: () => Json; path: string; gvk: Json; operationId: string }[] = [
  {
    name: 'namespaced core kind',
    doc: () => core,
    path: '/api/v1/namespaces/{namespace}/services/{name}',
    gvk: { group: '', version: 'v1', kind: 'Service' },
    operationId: 'patchCoreV1NamespacedService',
  },
  {
    name: 'cluster-scoped kind',
    doc: () => core,
    path: '/api/v1/namespaces/{name}',
    gvk: { group: '', version: 'v1', kind: 'Namespace' },
    operationId: 'patchCoreV1Namespace',
  },
  {
    name: 'status subresource',
    doc: () => core,
    path: '/api/v1/namespaces/{namespace}/services/{name}/status',
    gvk: { group: '', version: 'v1', kind: 'Service' },
    operationId: 'patchCoreV1NamespacedServiceStatus',
  },
  {
    name: 'apps kind',
    doc: () => apps,
    path: '/apis/apps/v1/namespaces/{namespace}/deployments/{name}',
    gvk: { group: 'apps', version: 'v1', kind: 'Deployment' },
    operationId: 'patchAppsV1NamespacedDeployment',
  },
  {
    name: 'scale subresource',
    doc: () => apps,
    path: '/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale',
    gvk: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
    operationId: 'patchAppsV1NamespacedDeploymentScale',
  },
];

for (const c of patchOps) {
  test(`PATCH operation kubectl validation looks for: ${c.name}`, () => {
    const op = c.doc().paths[c.path]?.patch;
    assert.ok(op, `no PATCH on ${c.path}`);
    assert.equal(op.operationId, c.operationId);
    assert.deepEqual(op['x-kubernetes-group-version-kind'], c.gvk);
    assert.ok(op.parameters.some((p: Json) => p.name === 'fieldValidation' && p.in === 'query'));
    const body = deref(c.doc(), op.requestBody.content['application/strategic-merge-patch+json'].schema);
    assert.deepEqual(body, { type: 'object' });
  });
}

test('collection, item and subresource operations', () => {
  const paths = core.paths as Json;
  assert.deepEqual(Object.keys(paths['/api/v1/namespaces/{namespace}/services']).sort(), ['get', 'parameters', 'post']);
  assert.deepEqual(Object.keys(paths['/api/v1/namespaces/{namespace}/services/{name}']).sort(), ['delete', 'get', 'parameters', 'patch', 'put']);
  assert.equal(paths['/api/v1/services'].get.operationId, 'listCoreV1ServiceForAllNamespaces');
  assert.equal(paths['/api/v1/namespaces/{namespace}/pods/{name}/binding'].post['x-kubernetes-group-version-kind'].kind, 'Binding');
  assert.equal(paths['/api/v1/namespaces/{namespace}/pods/{name}/log'], undefined);
  const list = deref(core, paths['/api/v1/namespaces/{namespace}/services'].get.responses['200'].content['application/json'].schema);
  assert.deepEqual(list.properties.items.items, { $ref: '#/components/schemas/io.k8s.api.core.v1.Service' });
  assert.deepEqual(list['x-kubernetes-group-version-kind'], [{ group: '', version: 'v1', kind: 'ServiceList' }]);
});

test('component schemas carry Kubernetes names and extensions', () => {
  const service = schemas['io.k8s.api.core.v1.Service'];
  assert.deepEqual(service['x-kubernetes-group-version-kind'], [{ group: '', version: 'v1', kind: 'Service' }]);
  assert.deepEqual(Object.keys(service.properties), ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
  assert.deepEqual(service.properties.metadata, { allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }], default: {} });

  const ports = deref(core, service.properties.spec).properties.ports;
  assert.equal(ports.type, 'array');
  assert.equal(ports['x-kubernetes-list-type'], 'map');
  assert.deepEqual(ports['x-kubernetes-list-map-keys'], ['port', 'protocol']);
  assert.equal(ports['x-kubernetes-patch-strategy'], 'merge');
  assert.equal(ports['x-kubernetes-patch-merge-key'], 'port');

  const port = deref(core, ports.items);
  assert.deepEqual(port.properties.port, { type: 'integer', format: 'int32' });
  assert.deepEqual(deref(core, port.properties.targetPort), { type: 'string', format: 'int-or-string' });

  const meta = schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'];
  assert.deepEqual(meta.properties.labels, { type: 'object', additionalProperties: { type: 'string' } });
  assert.equal(meta.properties.finalizers['x-kubernetes-list-type'], 'set');
  assert.equal(meta.properties.ownerReferences['x-kubernetes-patch-merge-key'], 'uid');
  assert.deepEqual(deref(core, meta.properties.creationTimestamp), { type: 'string', format: 'date-time' });
  assert.equal(schemas['io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference']['x-kubernetes-map-type'], 'atomic');
});

test('inline structs are flattened and object patch strategies kept', () => {
  const probe = schemas['io.k8s.api.core.v1.Probe'];
  assert.ok(probe.properties.httpGet && probe.properties.periodSeconds);
  assert.equal(probe.properties.handler, undefined);
  const volume = schemas['io.k8s.api.core.v1.Volume'];
  assert.ok(volume.properties.configMap && volume.properties.emptyDir);
  const spec = apps.components.schemas['io.k8s.api.apps.v1.DeploymentSpec'];
  assert.equal(spec.properties.strategy['x-kubernetes-patch-strategy'], 'retainKeys');
  assert.ok(apps.components.schemas['io.k8s.api.autoscaling.v1.Scale']);
});
