// What kube-apiserver's ServiceAccount admission plugin adds to a new pod whose ServiceAccount
// token is to be mounted (the pod's or else its ServiceAccount's automountServiceAccountToken is
// not false): a projected `kube-api-access-xxxxx` volume with a bound token, the cluster CA
// (the kube-root-ca.crt ConfigMap) and the namespace, mounted read-only in every container.

import type { PodSpec } from './pod-template.js';

export const SERVICE_ACCOUNT_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
/** kubelet refreshes the token at 80% of this. */
const TOKEN_EXPIRATION_SECONDS = 3607;
/** utilrand's alphabet (no vowels, no confusable characters). */
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

const randomSuffix = (n: number): string => Array.from({ length: n }, () => ALPHABET[Math.floor(Math.random() * ALPHABET.length)]).join('');

export function mountServiceAccountToken(spec: PodSpec, saAutomount: boolean | undefined): void {
  if ((spec.automountServiceAccountToken ?? saAutomount) === false) return;
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  // A pod that mounts something there itself keeps its own.
  if (containers.some((c) => (c.volumeMounts ?? []).some((m) => m.mountPath === SERVICE_ACCOUNT_MOUNT_PATH))) return;
  const name = `kube-api-access-${randomSuffix(5)}`;
  (spec.volumes ??= []).push({
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: 'token' } },
        { configMap: { name: ROOT_CA_CONFIGMAP, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  });
  for (const c of containers) (c.volumeMounts ??= []).push({ name, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH });
}
