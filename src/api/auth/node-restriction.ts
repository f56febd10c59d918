// NodeRestriction admission (plugin/pkg/admission/noderestriction) for node users: a node may
// create only mirror pods bound to itself, delete and update the status of only the pods bound
// to it, and change only its own Node and Lease. Runs after authorization, on the object being
// written (`obj`) and the stored one (`old`): create has no old, delete no obj.

import type { KubeObject } from '../../apis/types.js';
import { forbiddenObject, type Attributes } from './attributes.js';
import { NODE_LEASE_NAMESPACE, nodeIdentity } from './node-authorizer.js';

const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

const operation = (obj: KubeObject | undefined, old: KubeObject | undefined): string => (!old ? 'CREATE' : !obj ? 'DELETE' : 'UPDATE');
const sameLabels = (a: KubeObject, b: KubeObject): boolean => JSON.stringify(a.metadata.labels ?? {}) === JSON.stringify(b.metadata.labels ?? {});

/** Why a node may not make this write, or undefined when it may. */
export function nodeRestriction(node: string, a: Attributes, obj: KubeObject | undefined, old: KubeObject | undefined): string | undefined {
  const op = operation(obj, old);
  const target = (obj ?? old)!;
  const group = a.apiGroup ?? '';
  if (group === '' && a.resource === 'pods') {
    if (a.subresource === 'status') {
      if (op !== 'UPDATE') return `unexpected operation "${op}"`;
      if (old!.spec?.nodeName !== node) return `node "${node}" can only update pod status for pods with spec.nodeName set to itself`;
      if (!sameLabels(obj!, old!)) return `node "${node}" cannot update labels through pod status`;
      return undefined;
    }
    if (a.subresource) return `unexpected pod subresource "${a.subresource}", only 'status' and 'eviction' are allowed`;
    if (op === 'DELETE') return old!.spec?.nodeName === node ? undefined : `node "${node}" can only delete pods with spec.nodeName set to itself`;
    if (op === 'UPDATE') return `unexpected operation "${op}", node "${node}" can only create and delete mirror pods`;
    if (!(MIRROR_ANNOTATION in (obj!.metadata.annotations ?? {}))) return `pod does not have "${MIRROR_ANNOTATION}" annotation, node "${node}" can only create mirror pods`;
    if (obj!.spec?.nodeName !== node) return `node "${node}" can only create pods with spec.nodeName set to itself`;
    const owners = obj!.metadata.ownerReferences ?? [];
    if (owners.length !== 1 || owners[0]!.kind !== 'Node' || owners[0]!.name !== node || owners[0]!.apiVersion !== 'v1')
      return `node "${node}" can only create pods with an owner reference set to itself`;
    return undefined;
  }
  if (group === '' && a.resource === 'nodes') {
    const name = target.metadata.name;
    return name === node ? undefined : `node "${node}" is not allowed to modify node "${name}"`;
  }
  if (group === 'coordination.k8s.io' && a.resource === 'leases') {
    if (target.metadata.namespace !== NODE_LEASE_NAMESPACE) return `can only access leases in the ${NODE_LEASE_NAMESPACE} namespace`;
    if (target.metadata.name !== node) return 'can only access node lease with the same name as the requesting node';
  }
  return undefined;
}

/** NodeRestriction as an admission step: throws kube-apiserver's 403. */
export async function admitNode(a: Attributes, obj: KubeObject | undefined, old: KubeObject | undefined): Promise<void> {
  const node = nodeIdentity(a.user);
  if (node === undefined) return;
  const name = (obj ?? old)?.metadata.name;
  const why = node === '' ? `could not determine node from user "${a.user.username}"` : nodeRestriction(node, a, obj, old);
  if (why) throw forbiddenObject({ ...a, name }, why);
}
