// The 409 an apply gets when it would change fields other managers own, worded as the
// apiserver's fieldmanager (internal/conflict.go) words it, since kubectl prints it verbatim.
import { StatusError } from '../../util/status-errors.js';
import { pathString, type FieldSet } from './field-set.js';
import type { Manager } from './managed-fields.js';

export interface Conflict {
  owner: Manager;
  fields: FieldSet;
}

export function conflictError(conflicts: Conflict[]): StatusError {
  const groups = [...conflicts]
    .sort((a, b) => (a.owner.manager < b.owner.manager ? -1 : a.owner.manager > b.owner.manager ? 1 : 0))
    .map((c) => ({ who: describeManager(c.owner), paths: c.fields.paths().map(pathString) }));
  const count = groups.reduce((n, g) => n + g.paths.length, 0);
  const message =
    count === 1
      ? `Apply failed with 1 conflict: conflict with ${groups[0].who}: ${groups[0].paths[0]}`
      : `Apply failed with ${count} conflicts: ${groups
          .map((g) => [`conflicts with ${g.who}:`, ...g.paths.map((p) => `- ${p}`)].join('\n'))
          .join('\n')}`;
  const causes = groups.flatMap((g) =>
    g.paths.map((field) => ({ reason: 'FieldManagerConflict', message: `conflict with ${g.who}`, field })),
  );
  return new StatusError(409, 'Conflict', message, { causes });
}

/** `"kubectl-client-side-apply" using v1`, `"kubectl"`, `"x" with subresource "status" using v1`. */
function describeManager(m: Manager): string {
  let s = JSON.stringify(m.manager);
  if (m.subresource) s += ` with subresource ${JSON.stringify(m.subresource)}`;
  return m.operation === 'Update' ? `${s} using ${m.apiVersion}` : s;
}
