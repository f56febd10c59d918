// The kubeconfig `up` writes for kubectl and other clients: context `tinykube`, the CA, and
// the admin's client certificate (CN=system:admin, O=system:masters, as kubeadm's admin.conf
// and k3s's admin certificate). The admin bearer token stays beside it: the API server asks
// for the certificate first, so kubectl is the certificate's user, and scripts (curl, the
// dashboard link) keep a token to send. Written atomically, and only once the API answers.

import { stringify } from 'yaml';
import { writeAtomic } from '../api/tls.js';

export interface ClientCredentials {
  token: string;
  cert?: { cert: string; key: string };
}

export function kubeconfigYaml(server: string, caCert: string, creds: ClientCredentials): string {
  const b64 = (pem: string): string => Buffer.from(pem).toString('base64');
  const cert = creds.cert ? { 'client-certificate-data': b64(creds.cert.cert), 'client-key-data': b64(creds.cert.key) } : {};
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'tinykube', cluster: { server, 'certificate-authority-data': Buffer.from(caCert).toString('base64') } }],
    users: [{ name: 'tinykube-admin', user: { ...cert, token: creds.token } }],
    contexts: [{ name: 'tinykube', context: { cluster: 'tinykube', user: 'tinykube-admin', namespace: 'default' } }],
    'current-context': 'tinykube',
    preferences: {},
  });
}

export function writeKubeconfig(path: string, server: string, caCert: string, creds: ClientCredentials): void {
  writeAtomic(path, kubeconfigYaml(server, caCert, creds));
}
