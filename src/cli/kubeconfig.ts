// The kubeconfig `up` writes for kubectl and other clients: context `tinykube`, the CA and
// a bearer token. Written atomically, and only once the API answers.

import { stringify } from 'yaml';
import { writeAtomic } from '../api/tls.js';

export function kubeconfigYaml(server: string, caCert: string, token: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'tinykube', cluster: { server, 'certificate-authority-data': Buffer.from(caCert).toString('base64') } }],
    users: [{ name: 'tinykube-admin', user: { token } }],
    contexts: [{ name: 'tinykube', context: { cluster: 'tinykube', user: 'tinykube-admin', namespace: 'default' } }],
    'current-context': 'tinykube',
    preferences: {},
  });
}

export function writeKubeconfig(path: string, server: string, caCert: string, token: string): void {
  writeAtomic(path, kubeconfigYaml(server, caCert, token));
}
