// certificates.k8s.io/v1 CertificateSigningRequest, as it travels in JSON (request and
// certificate are base64 of PEM), and the names upstream gives its signers and conditions.

import type { KubeObject } from '../types.js';

export const CERTIFICATES_GROUP = 'certificates.k8s.io';

export const KUBE_APISERVER_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';
export const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';
export const LEGACY_UNKNOWN_SIGNER = 'kubernetes.io/legacy-unknown';

export type CsrConditionType = 'Approved' | 'Denied' | 'Failed';

export interface CsrCondition {
  type: CsrConditionType | string;
  status: 'True' | 'False' | 'Unknown' | string;
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

export interface CertificateSigningRequest extends KubeObject {
  spec: {
    request: string;
    signerName: string;
    expirationSeconds?: number;
    usages?: string[];
    username?: string;
    uid?: string;
    groups?: string[];
    extra?: Record<string, string[]>;
  };
  status?: { conditions?: CsrCondition[]; certificate?: string };
}

/** The condition of a type that is True, if any. */
export const hasCondition = (csr: CertificateSigningRequest, type: CsrConditionType): boolean =>
  (csr.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');

/** The PEM text of a base64 `bytes` field. */
export const pemOf = (b64: string | undefined): string => Buffer.from(b64 ?? '', 'base64').toString('utf8');
