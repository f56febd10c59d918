// Events (core/v1). Names carry a dot and a suffix (`webapp.17f3a…`), so they are DNS
// subdomains. The Table row and selectable fields follow printers.go printEvent and the event
// strategy's ToSelectableFields.

import { field, type FieldError } from '../../util/status-errors.js';
import { column, defineResource, nameColumn, since, validateMeta } from '../descriptor.js';
import type { KubeObject } from '../types.js';
import { isDNS1123Subdomain } from '../../util/name-format.js';

export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

export interface Event extends KubeObject {
  involvedObject?: ObjectReference;
  reason?: string;
  message?: string;
  source?: { component?: string; host?: string };
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  count?: number;
  type?: string;
  series?: { count?: number; lastObservedTime?: string };
  reportingComponent?: string;
  reportingInstance?: string;
}

/** `kubelet, node1`; the reporting fields stand in for an empty source. */
function sourceCell(e: Event): string {
  const component = e.source?.component || e.reportingComponent || '';
  const instance = e.source?.host || e.reportingInstance || '';
  return instance ? `${component}, ${instance}` : component;
}

/** `pod/web-1`, or just the kind when the event is about no object in particular. */
function objectCell(e: Event): string {
  const kind = (e.involvedObject?.kind ?? '').toLowerCase();
  return e.involvedObject?.name ? `${kind}/${e.involvedObject.name}` : kind;
}

function validateEvent(e: Event): FieldError[] {
  const errs: FieldError[] = [];
  const ns = e.metadata.namespace ?? '';
  const involvedNs = e.involvedObject?.namespace ?? '';
  // A legacy event lives in its object's namespace; events about cluster-scoped objects may
  // sit in `default` (old clients put them there).
  const matches = involvedNs ? ns === involvedNs : ns === '' || ns === 'default';
  if (!e.eventTime && !matches) errs.push(field.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
  return errs;
}

export const events = defineResource<Event>({
  group: '',
  version: 'v1',
  kind: 'Event',
  resource: 'events',
  shortNames: ['ev'],
  namespaced: true,
  columns: [
    column('Last Seen', 'The time at which the most recent occurrence of this event was recorded.'),
    column('Type', 'Type of this event (Normal, Warning), new types could be added in the future'),
    column('Reason', 'This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.'),
    column('Object', 'The object that this event is about.'),
    column('Subobject', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].', { priority: 1 }),
    column('Source', 'The component reporting this event. Should be a short machine understandable string.', { priority: 1 }),
    column('Message', 'A human-readable description of the status of this operation.'),
    column('First Seen', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', { priority: 1 }),
    column('Count', 'The number of times this event has occurred.', { priority: 1 }),
    nameColumn(1),
  ],
  row(e, now) {
    const first = since(e.firstTimestamp || e.eventTime, now);
    let last = e.lastTimestamp ? since(e.lastTimestamp, now) : first;
    let count = e.count ?? 0;
    if (e.series) {
      last = since(e.series.lastObservedTime, now);
      count = e.series.count ?? 0;
    } else if (count === 0) {
      count = 1; // singleton events of the new API carry no count
    }
    return [
      last,
      e.type ?? '',
      e.reason ?? '',
      objectCell(e),
      e.involvedObject?.fieldPath ?? '',
      sourceCell(e),
      (e.message ?? '').trim(),
      first,
      count,
      e.metadata.name,
    ];
  },
  selectableFields: (e) => ({
    'involvedObject.kind': e.involvedObject?.kind ?? '',
    'involvedObject.namespace': e.involvedObject?.namespace ?? '',
    'involvedObject.name': e.involvedObject?.name ?? '',
    'involvedObject.uid': e.involvedObject?.uid ?? '',
    'involvedObject.apiVersion': e.involvedObject?.apiVersion ?? '',
    'involvedObject.resourceVersion': e.involvedObject?.resourceVersion ?? '',
    'involvedObject.fieldPath': e.involvedObject?.fieldPath ?? '',
    reason: e.reason ?? '',
    reportingComponent: e.reportingComponent ?? '',
    source: e.source?.component || e.reportingComponent || '',
    type: e.type ?? '',
  }),
  validate: (e, old) => [
    ...validateMeta(e, old, { namespaced: true, validateName: isDNS1123Subdomain }),
    ...validateEvent(e),
  ],
});
