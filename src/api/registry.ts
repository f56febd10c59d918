// The resources this server serves, looked up by group/version/resource, by kind and by the
// names kubectl uses. The order is discovery order (kubectl's `get all` follows it).

import type { KubeObject, ResourceType } from '../apis/types.js';
import type { ObjectSchema } from '../apis/schema/types.js';
import { schemaFor } from '../apis/schema/index.js';
import { namespaces } from '../apis/core/namespaces.js';
import { pods } from '../apis/core/pods.js';
import { services } from '../apis/core/service/index.js';
import { endpoints } from '../apis/core/endpoints.js';
import { nodes } from '../apis/core/nodes.js';
import { events } from '../apis/core/events.js';
import { componentStatuses } from '../apis/core/componentstatuses.js';
import { endpointSlices } from '../apis/discovery/endpointslices.js';
import { deployments } from '../apis/apps/deployments.js';
import { replicaSets } from '../apis/apps/replicasets.js';
import { leases } from '../apis/coordination/leases.js';
import { configMaps } from '../apis/core/configmaps.js';
import { secrets } from '../apis/core/secrets.js';
import { serviceAccounts } from '../apis/core/serviceaccounts.js';
import { tokenReviews } from '../apis/authentication/tokenreviews.js';
import { statefulSets } from '../apis/apps/statefulsets.js';
import { daemonSets } from '../apis/apps/daemonsets.js';
import { controllerRevisions } from '../apis/apps/controllerrevisions.js';
import { persistentVolumeClaims, persistentVolumes } from '../apis/core/persistent-volumes.js';
import { storageClasses } from '../apis/storage/storageclasses.js';
import { ingressClasses, ingresses } from '../apis/networking/ingresses.js';
import { cronJobs, jobs } from '../apis/batch/jobs.js';
import { nodeMetrics, podMetrics } from '../apis/metrics/metrics.js';
import { clusterRoles, roles } from '../apis/rbac/roles.js';
import { clusterRoleBindings, roleBindings } from '../apis/rbac/bindings.js';
import { localSubjectAccessReviews, selfSubjectAccessReviews, selfSubjectReviews, selfSubjectRulesReviews, subjectAccessReviews } from '../apis/authorization/reviews.js';
import { horizontalPodAutoscalers } from '../apis/autoscaling/horizontalpodautoscalers.js';
import { horizontalPodAutoscalersV1 } from '../apis/autoscaling/hpa-v1.js';
import { certificateSigningRequests } from '../apis/certificates/certificatesigningrequests.js';

/** A served resource with everything the REST layer needs about it. */
export interface Resource {
  type: ResourceType<KubeObject>;
  schema: ObjectSchema;
  /** `v1` or `apps/v1`. */
  apiVersion: string;
  /** Storage key prefix, without a trailing slash. */
  keyPrefix: string;
}

/** Storage prefixes that differ from `/registry/<resource>` (kept as Kubernetes lays out etcd). */
const KEY_PREFIXES: Record<string, string> = {
  services: '/registry/services/specs',
  endpoints: '/registry/services/endpoints',
  nodes: '/registry/minions',
};

export class Registry {
  readonly resources: Resource[];
  private readonly byPath = new Map<string, Resource>();
  private readonly byKind = new Map<string, Resource>();

  constructor(types: ResourceType<KubeObject>[]) {
    this.resources = types.map((type) => {
      const apiVersion = type.group ? `${type.group}/${type.version}` : type.version;
      const schema = schemaFor(apiVersion, type.kind);
      if (!schema) throw new Error(`no schema for ${apiVersion} ${type.kind}`);
      return { type, schema, apiVersion, keyPrefix: KEY_PREFIXES[type.resource] ?? `/registry/${type.resource}` };
    });
    for (const r of this.resources) {
      this.byPath.set(`${r.type.group}/${r.type.version}/${r.type.resource}`, r);
      this.byKind.set(`${r.apiVersion}/${r.type.kind}`, r);
    }
  }

  lookup(group: string, version: string, resource: string): Resource | undefined {
    return this.byPath.get(`${group}/${version}/${resource}`);
  }

  byApiVersionKind(apiVersion: string, kind: string): Resource | undefined {
    return this.byKind.get(`${apiVersion}/${kind}`);
  }

  /** Group versions in discovery order: `v1` first. */
  groupVersions(): { group: string; version: string }[] {
    const seen = new Map<string, { group: string; version: string }>();
    for (const r of this.resources) seen.set(r.apiVersion, { group: r.type.group, version: r.type.version });
    return [...seen.values()];
  }
}

export function defaultRegistry(): Registry {
  return new Registry([
    pods,
    services,
    endpoints,
    namespaces,
    nodes,
    events,
    componentStatuses,
    configMaps,
    secrets,
    serviceAccounts,
    deployments,
    replicaSets,
    endpointSlices,
    leases,
    tokenReviews,
    statefulSets,
    daemonSets,
    controllerRevisions,
    persistentVolumeClaims,
    persistentVolumes,
    storageClasses,
    ingresses,
    ingressClasses,
    jobs,
    cronJobs,
    nodeMetrics,
    podMetrics,
    roles,
    clusterRoles,
    roleBindings,
    clusterRoleBindings,
    subjectAccessReviews,
    selfSubjectAccessReviews,
    localSubjectAccessReviews,
    selfSubjectRulesReviews,
    selfSubjectReviews,
    horizontalPodAutoscalers,
    horizontalPodAutoscalersV1,
    certificateSigningRequests,
  ] as unknown as ResourceType<KubeObject>[]);
}

/** The storage key of one object. */
export function objectKey(r: Resource, namespace: string | undefined, name: string): string {
  return r.type.namespaced ? `${r.keyPrefix}/${namespace}/${name}` : `${r.keyPrefix}/${name}`;
}

/** The storage prefix of a list: one namespace, or all (trailing slash so `default` does not
 *  match `default2`). */
export function listPrefix(r: Resource, namespace: string | undefined): string {
  return r.type.namespaced && namespace ? `${r.keyPrefix}/${namespace}/` : `${r.keyPrefix}/`;
}
