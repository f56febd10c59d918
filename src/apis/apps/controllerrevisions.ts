// ControllerRevisions (apps/v1): the immutable snapshots of a StatefulSet's or DaemonSet's pod
// template that `kubectl rollout history` lists and `rollout undo` goes back to. Validation as
// ValidateControllerRevision; the Table row as printers.go printControllerRevision.

import { field, type FieldError } from '../../util/status-errors.js';
import { age, ageColumn, column, defineResource, nameColumn, validateMeta } from '../descriptor.js';
import type { KubeObject } from '../types.js';
import { validateImmutable } from '../validation/meta.js';
import { isDNS1123Subdomain } from '../../util/name-format.js';

export interface ControllerRevision extends KubeObject {
  data?: unknown;
  revision?: number;
}

function validateRevision(cr: ControllerRevision, old: ControllerRevision | undefined): FieldError[] {
  const errs: FieldError[] = [];
  if (cr.data === undefined || cr.data === null) errs.push(field.required('data', 'data is mandatory'));
  if ((cr.revision ?? 0) < 0) errs.push(field.invalid('revision', cr.revision, 'must be greater than or equal to 0'));
  if (old) errs.push(...validateImmutable(cr.data, old.data, 'data'));
  return errs;
}

export const controllerRevisions = defineResource<ControllerRevision>({
  group: 'apps',
  version: 'v1',
  kind: 'ControllerRevision',
  resource: 'controllerrevisions',
  namespaced: true,
  columns: [
    nameColumn(),
    column('Controller', 'Controller of the object'),
    column('Revision', 'Revision indicates the revision of the state represented by Data.', { type: 'integer' }),
    ageColumn(),
  ],
  row(cr, now) {
    const ref = cr.metadata.ownerReferences?.find((r) => r.controller);
    // GroupKind.String() lower-cased: `statefulset.apps/web`.
    const group = ref?.apiVersion.includes('/') ? `.${ref.apiVersion.split('/')[0]}` : '';
    const controller = ref ? `${ref.kind}${group}`.toLowerCase() + `/${ref.name}` : '<none>';
    return [cr.metadata.name, controller, cr.revision ?? 0, age(cr, now)];
  },
  validate: (cr, old) => [...validateMeta(cr, old, { namespaced: true, validateName: isDNS1123Subdomain }), ...validateRevision(cr, old)],
});
