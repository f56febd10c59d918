// ComponentStatuses (core/v1, deprecated in Kubernetes but still what `kubectl get cs` reads).
// Read-only: the API layer computes the objects; this describes and prints them.

import { column, defineResource, nameColumn } from '../descriptor.js';
import type { KubeObject } from '../types.js';

export interface ComponentStatus extends KubeObject {
  conditions?: { type: string; status: string; message?: string; error?: string }[];
}

export const componentStatuses = defineResource<ComponentStatus>({
  group: '',
  version: 'v1',
  kind: 'ComponentStatus',
  resource: 'componentstatuses',
  shortNames: ['cs'],
  namespaced: false,
  verbs: ['get', 'list'],
  columns: [
    nameColumn(),
    column('Status', 'Status of the component conditions'),
    column('Message', 'Message of the component conditions'),
    column('Error', 'Error of the component conditions'),
  ],
  row(cs) {
    const healthy = cs.conditions?.find((c) => c.type === 'Healthy');
    const status = !healthy ? 'Unknown' : healthy.status === 'True' ? 'Healthy' : 'Unhealthy';
    return [cs.metadata.name, status, healthy?.message ?? '', healthy?.error ?? ''];
  },
});
