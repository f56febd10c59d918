// metrics.k8s.io/v1beta1 NodeMetrics and PodMetrics (what `kubectl top` reads). Read-only and
// stored nowhere: the API server computes them from the nodes' /metrics/resource
// (src/api/metrics/); this describes and prints them.

import { column, defineResource, nameColumn } from '../descriptor.js';
import type { KubeObject } from '../types.js';

export type Usage = { cpu: string; memory: string };

export interface NodeMetrics extends KubeObject {
  timestamp: string;
  window: string;
  usage: Usage;
}

export interface PodMetrics extends KubeObject {
  timestamp: string;
  window: string;
  containers: { name: string; usage: Usage }[];
}

const usageColumns = [column('CPU', 'CPU usage'), column('Memory', 'Memory usage')];

export const nodeMetrics = defineResource<NodeMetrics>({
  group: 'metrics.k8s.io',
  version: 'v1beta1',
  kind: 'NodeMetrics',
  resource: 'nodes',
  singular: '',
  namespaced: false,
  verbs: ['get', 'list'],
  columns: [nameColumn(), ...usageColumns],
  row: (m) => [m.metadata.name, m.usage.cpu, m.usage.memory],
});

export const podMetrics = defineResource<PodMetrics>({
  group: 'metrics.k8s.io',
  version: 'v1beta1',
  kind: 'PodMetrics',
  resource: 'pods',
  singular: '',
  namespaced: true,
  verbs: ['get', 'list'],
  columns: [nameColumn(), ...usageColumns],
  row: (m) => [m.metadata.name, m.containers.map((c) => c.usage.cpu).join(','), m.containers.map((c) => c.usage.memory).join(',')],
});
