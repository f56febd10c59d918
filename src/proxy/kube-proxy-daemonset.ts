// The `kube-proxy` DaemonSet in kube-system, as kubeadm installs it, so `kubectl get ds,pods -n
// kube-system` shows a kube-proxy pod on every node. The proxy itself runs inside each node
// agent (node-components.ts); the pod's one container is the built-in image PROXY_IMAGE, which
// streams that proxy's log file (so `kubectl logs` is the proxy's log) and is Ready while the
// proxy's /healthz on 10256 says it is syncing. The object is pure; apply() server-side-applies
// it, so a restart converges.

import { R, type Client } from '../client/client.js';
import type { KubeObject } from '../apis/types.js';

export const PROXY_IMAGE = 'tinykube/kube-proxy';
/** Where a node's proxy logs, under the node's data dir; the pod's container follows it. */
export const PROXY_LOG = 'logs/kube-proxy.log';
const NAMESPACE = 'kube-system';
const NAME = 'kube-proxy';
const LABELS = { 'k8s-app': 'kube-proxy' };
const MANAGER = 'tinykube-proxy';
export const PROXY_HEALTHZ_PORT = 10256;

export function kubeProxyDaemonSet(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: NAME, namespace: NAMESPACE, labels: LABELS },
    spec: {
      selector: { matchLabels: LABELS },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: { labels: LABELS },
        spec: {
          // kube-proxy shares its node's network; it must run on every node, tainted or not.
          hostNetwork: true,
          priorityClassName: 'system-node-critical',
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          tolerations: [{ operator: 'Exists' }],
          containers: [
            {
              name: 'kube-proxy',
              image: PROXY_IMAGE,
              env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } }],
              readinessProbe: { httpGet: { path: '/healthz', port: PROXY_HEALTHZ_PORT }, periodSeconds: 5 },
            },
          ],
        },
      },
    },
  };
}

export async function applyKubeProxyDaemonSet(client: Client): Promise<void> {
  await client.patch(R.daemonSets, NAMESPACE, NAME, 'apply', kubeProxyDaemonSet(), { fieldManager: MANAGER, force: true });
}
