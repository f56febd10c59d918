// Small hand-made schemas shaped like Service and Deployment, for the tests of this folder.
import type { ObjectSchema, Schema } from '../../src/apis/schema/types.js';

const str: Schema = { type: 'string' };
const int: Schema = { type: 'int32' };
const strMap: Schema = { type: 'map', values: str };

export const metaSchema: ObjectSchema = {
  type: 'object',
  name: 'ObjectMeta',
  fields: {
    name: { schema: str },
    namespace: { schema: str },
    uid: { schema: str },
    resourceVersion: { schema: str },
    generation: { schema: { type: 'int64' } },
    creationTimestamp: { schema: { type: 'time' } },
    labels: { schema: strMap },
    annotations: { schema: strMap },
    finalizers: { schema: { type: 'list', items: str, listType: 'set', patchStrategy: 'merge' } },
    managedFields: { schema: { type: 'list', items: { type: 'any' }, listType: 'atomic' } },
  },
};

const servicePort: ObjectSchema = {
  type: 'object',
  name: 'ServicePort',
  fields: {
    name: { schema: str },
    protocol: { schema: str, default: 'TCP' },
    port: { schema: int },
    targetPort: { schema: { type: 'int-or-string' } },
    nodePort: { schema: int },
  },
};

export const serviceSchema: ObjectSchema = {
  type: 'object',
  name: 'Service',
  fields: {
    apiVersion: { schema: str },
    kind: { schema: str },
    metadata: { schema: metaSchema },
    spec: {
      schema: {
        type: 'object',
        name: 'ServiceSpec',
        fields: {
          ports: {
            schema: {
              type: 'list',
              items: servicePort,
              listType: 'map',
              mapKeys: ['port', 'protocol'],
              patchStrategy: 'merge',
              patchMergeKey: 'port',
            },
          },
          selector: { schema: strMap },
          clusterIP: { schema: str },
          type: { schema: str },
          externalIPs: { schema: { type: 'list', items: str, listType: 'atomic' } },
        },
      },
    },
    status: { schema: { type: 'any' } },
  },
};

const envVar: ObjectSchema = {
  type: 'object',
  name: 'EnvVar',
  fields: { name: { schema: str }, value: { schema: str } },
};

const containerPort: ObjectSchema = {
  type: 'object',
  name: 'ContainerPort',
  fields: { name: { schema: str }, containerPort: { schema: int }, protocol: { schema: str, default: 'TCP' } },
};

const container: ObjectSchema = {
  type: 'object',
  name: 'Container',
  fields: {
    name: { schema: str },
    image: { schema: str },
    args: { schema: { type: 'list', items: str, listType: 'atomic' } },
    command: { schema: { type: 'list', items: str, listType: 'atomic' } },
    env: {
      schema: { type: 'list', items: envVar, listType: 'map', mapKeys: ['name'], patchStrategy: 'merge', patchMergeKey: 'name' },
    },
    ports: {
      schema: {
        type: 'list',
        items: containerPort,
        listType: 'map',
        mapKeys: ['containerPort', 'protocol'],
        patchStrategy: 'merge',
        patchMergeKey: 'containerPort',
      },
    },
  },
};

export const deploymentSchema: ObjectSchema = {
  type: 'object',
  name: 'Deployment',
  fields: {
    apiVersion: { schema: str },
    kind: { schema: str },
    metadata: { schema: metaSchema },
    spec: {
      schema: {
        type: 'object',
        name: 'DeploymentSpec',
        fields: {
          replicas: { schema: int },
          selector: {
            schema: { type: 'object', name: 'LabelSelector', atomic: true, fields: { matchLabels: { schema: strMap } } },
          },
          strategy: {
            patchStrategy: 'retainKeys',
            schema: {
              type: 'object',
              name: 'DeploymentStrategy',
              fields: {
                type: { schema: str },
                rollingUpdate: {
                  schema: {
                    type: 'object',
                    name: 'RollingUpdateDeployment',
                    fields: { maxSurge: { schema: { type: 'int-or-string' } }, maxUnavailable: { schema: { type: 'int-or-string' } } },
                  },
                },
              },
            },
          },
          template: {
            schema: {
              type: 'object',
              name: 'PodTemplateSpec',
              fields: {
                metadata: { schema: metaSchema },
                spec: {
                  schema: {
                    type: 'object',
                    name: 'PodSpec',
                    fields: {
                      containers: {
                        schema: {
                          type: 'list',
                          items: container,
                          listType: 'map',
                          mapKeys: ['name'],
                          patchStrategy: 'merge',
                          patchMergeKey: 'name',
                        },
                      },
                      tolerations: { schema: { type: 'list', items: { type: 'any' }, listType: 'atomic' } },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};
