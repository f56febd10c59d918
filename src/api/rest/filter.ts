// Which objects a list or watch returns: label and field selectors, evaluated on the object.

import type { KubeObject } from '../../apis/types.js';
import type { Resource } from '../registry.js';
import { parseLabelSelector, matchesLabels } from '../../util/labels.js';
import { parseFieldSelector, matchesFields, checkFieldLabels } from '../../util/fields.js';

/** `fields`, when given, is objectFields(r, obj) worked out by the caller (once for many watchers). */
export type Predicate = (obj: KubeObject, fields?: () => Record<string, string>) => boolean;

export interface SelectorOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

/** The field set Kubernetes exposes for field selectors on this resource. */
export function objectFields(r: Resource, obj: KubeObject): Record<string, string> {
  const fields: Record<string, string> = { 'metadata.name': obj.metadata.name ?? '' };
  if (r.type.namespaced) fields['metadata.namespace'] = obj.metadata.namespace ?? '';
  return { ...fields, ...(r.type.selectableFields?.(obj) ?? {}) };
}

/** Parses the selectors once (400 on bad syntax); undefined when nothing is filtered. */
export function makePredicate(r: Resource, opts: SelectorOptions): Predicate | undefined {
  const labels = opts.labelSelector ? parseLabelSelector(opts.labelSelector) : undefined;
  const fields = opts.fieldSelector ? parseFieldSelector(opts.fieldSelector) : undefined;
  if (!labels && !fields) return undefined;
  // The field names a resource supports are those of its field set (400 for any other).
  if (fields) checkFieldLabels(fields, Object.keys(objectFields(r, { metadata: {}, spec: {}, status: {} })));
  return (obj, known) =>
    (!labels || matchesLabels(labels, obj.metadata.labels)) && (!fields || matchesFields(fields, known ? known() : objectFields(r, obj)));
}
