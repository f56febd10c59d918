// Namespaces (core/v1): cluster-scoped, named as DNS-1123 labels, finalized by `kubernetes`
// before they go. Defaults and strategy as pkg/apis/core/v1/defaults.go and
// pkg/registry/core/namespace/strategy.go.

import { field, type FieldError } from '../../util/status-errors.js';
import { age, ageColumn, column, defineResource, nameColumn, validateMeta } from '../descriptor.js';
import type { KubeObject } from '../types.js';
import { invalidEach } from '../validation/meta.js';
import { isDNS1123Label, isQualifiedName } from '../../util/name-format.js';

export interface Namespace extends KubeObject {
  spec?: { finalizers?: string[] };
  status?: { phase?: 'Active' | 'Terminating'; conditions?: unknown[] };
}

export const FINALIZER_KUBERNETES = 'kubernetes';
export const LABEL_METADATA_NAME = 'kubernetes.io/metadata.name';

function validateFinalizers(finalizers: string[] | undefined): FieldError[] {
  return (finalizers ?? []).flatMap((f, i) => {
    const path = `spec.finalizers[${i}]`;
    const errs = invalidEach(path, f, isQualifiedName(f));
    // Unqualified names are reserved for the standard finalizer.
    if (errs.length === 0 && !f.includes('/') && f !== FINALIZER_KUBERNETES)
      errs.push(field.invalid(path, f, 'name is neither a standard finalizer name nor is it fully qualified'));
    return errs;
  });
}

export const namespaces = defineResource<Namespace>({
  group: '',
  version: 'v1',
  kind: 'Namespace',
  resource: 'namespaces',
  shortNames: ['ns'],
  namespaced: false,
  subresources: ['status'],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  columns: [nameColumn(), column('Status', 'The status of the namespace'), ageColumn()],
  row: (ns, now) => [ns.metadata.name, ns.status?.phase ?? '', age(ns, now)],
  selectableFields: (ns) => ({ 'status.phase': ns.status?.phase ?? '', name: ns.metadata.name ?? '' }),
  defaults(ns) {
    // The label lets selectors pick namespaces by name; it always follows the name.
    if (ns.metadata.name) ns.metadata.labels = { ...ns.metadata.labels, [LABEL_METADATA_NAME]: ns.metadata.name };
    ns.status ??= {};
    ns.status.phase ??= 'Active';
  },
  prepareForCreate(ns) {
    ns.status = { phase: 'Active' };
    const finalizers = ns.spec?.finalizers ?? [];
    ns.spec = { ...ns.spec, finalizers: finalizers.includes(FINALIZER_KUBERNETES) ? finalizers : [...finalizers, FINALIZER_KUBERNETES] };
  },
  prepareForUpdate(ns, old) {
    // Finalizers change only through the finalize subresource.
    ns.spec = { ...ns.spec, finalizers: old.spec?.finalizers };
    if (ns.spec.finalizers === undefined) delete ns.spec.finalizers;
  },
  checkGracefulDelete(ns) {
    // Terminating until the namespace controller has emptied it and cleared spec.finalizers.
    ns.status = { ...ns.status, phase: 'Terminating' };
    return true;
  },
  heldWhileDeleting: (ns) => (ns.spec?.finalizers?.length ?? 0) > 0,
  validate: (ns, old) => [
    ...validateMeta(ns, old, { namespaced: false, validateName: isDNS1123Label }),
    ...validateFinalizers(ns.spec?.finalizers),
  ],
});
