// `kubectl get cs`: the health of the control-plane components running in this process.

import type { KubeObject } from '../apis/types.js';

export function componentStatuses(disabled: Set<string>): KubeObject[] {
  const entries: [string, boolean][] = [
    ['scheduler', !disabled.has('controllers')],
    ['controller-manager', !disabled.has('controllers')],
    ['etcd-0', true],
  ];
  return entries.map(([name, healthy]) => ({
    apiVersion: 'v1',
    kind: 'ComponentStatus',
    metadata: { name },
    conditions: [
      healthy
        ? { type: 'Healthy', status: 'True', message: 'ok' }
        : { type: 'Healthy', status: 'False', message: 'disabled', error: 'disabled by --disable' },
    ],
  }));
}
