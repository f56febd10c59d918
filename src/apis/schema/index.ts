// The schema of every kind we serve, keyed by `apiVersion/kind` as they appear on the wire.

import { ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet } from './apps.js';
import { HorizontalPodAutoscalerV1, HorizontalPodAutoscalerV2, Scale } from './autoscaling.js';
import { Lease } from './coordination.js';
import { ConfigMap, Secret, ServiceAccount, TokenRequest, TokenReview } from './config.js';
import { Binding, ComponentStatus, Endpoints, Event, Namespace, Node, Pod, Service } from './core.js';
import { EndpointSlice } from './discovery.js';
import { PersistentVolume, PersistentVolumeClaim, StorageClass } from './storage.js';
import { Ingress, IngressClass } from './networking.js';
import { CronJob, Job } from './batch.js';
import { NodeMetrics, PodMetrics } from './metrics.js';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from './rbac.js';
import { LocalSubjectAccessReview, SelfSubjectAccessReview, SelfSubjectReview, SelfSubjectRulesReview, SubjectAccessReview } from './authorization.js';
import { CertificateSigningRequest } from './certificates.js';
import type { ObjectSchema } from './types.js';

const byApiVersion: Record<string, ObjectSchema[]> = {
  v1: [Namespace, Service, Endpoints, Pod, Binding, Node, Event, ComponentStatus, ConfigMap, Secret, ServiceAccount, PersistentVolumeClaim, PersistentVolume],
  'authentication.k8s.io/v1': [TokenRequest, TokenReview, SelfSubjectReview],
  'authorization.k8s.io/v1': [SubjectAccessReview, LocalSubjectAccessReview, SelfSubjectAccessReview, SelfSubjectRulesReview],
  'rbac.authorization.k8s.io/v1': [Role, ClusterRole, RoleBinding, ClusterRoleBinding],
  'apps/v1': [Deployment, ReplicaSet, StatefulSet, DaemonSet, ControllerRevision],
  'autoscaling/v1': [Scale, HorizontalPodAutoscalerV1],
  'autoscaling/v2': [HorizontalPodAutoscalerV2],
  'discovery.k8s.io/v1': [EndpointSlice],
  'coordination.k8s.io/v1': [Lease],
  'storage.k8s.io/v1': [StorageClass],
  'networking.k8s.io/v1': [Ingress, IngressClass],
  'batch/v1': [Job, CronJob],
  'metrics.k8s.io/v1beta1': [NodeMetrics, PodMetrics],
  'certificates.k8s.io/v1': [CertificateSigningRequest],
};

export const schemas: Map<string, ObjectSchema> = new Map(
  Object.entries(byApiVersion).flatMap(([apiVersion, kinds]) =>
    kinds.map((s): [string, ObjectSchema] => [`${apiVersion}/${s.name}`, s]),
  ),
);

export function schemaFor(apiVersion: string, kind: string): ObjectSchema | undefined {
  return schemas.get(`${apiVersion}/${kind}`);
}
