// The parts every resource descriptor shares: discovery defaults, the Name and Age columns as
// Kubernetes' printers define them, ages of timestamps, and metadata validation on create and
// update. Each descriptor adds only what is particular to its kind.

import type { FieldError } from '../util/status-errors.js';
import { humanDuration } from '../util/duration.js';
import type { KubeObject, ResourceType, TableColumn } from './types.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './validation/meta.js';

export const STANDARD_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

type Defaulted = 'listKind' | 'singular' | 'shortNames' | 'categories' | 'subresources' | 'verbs';

/** A descriptor with the usual defaults: `<Kind>List`, lower-case singular, all verbs. */
export function defineResource<T extends KubeObject>(
  d: Omit<ResourceType<T>, Defaulted> & Partial<Pick<ResourceType<T>, Defaulted>>,
): ResourceType<T> {
  return {
    listKind: `${d.kind}List`,
    singular: d.kind.toLowerCase(),
    shortNames: [],
    categories: [],
    subresources: [],
    verbs: STANDARD_VERBS,
    ...d,
  };
}

export function column(
  name: string,
  description: string,
  opts: { type?: TableColumn['type']; priority?: 0 | 1; format?: string } = {},
): TableColumn {
  return { name, type: opts.type ?? 'string', format: opts.format ?? '', description, priority: opts.priority ?? 0 };
}

export const nameColumn = (priority: 0 | 1 = 0): TableColumn =>
  column(
    'Name',
    'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
    { format: 'name', priority },
  );

export const ageColumn = (): TableColumn =>
  column(
    'Age',
    'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
  );

export const containersColumn = (): TableColumn =>
  column('Containers', 'Names of each container in the template.', { priority: 1 });
export const imagesColumn = (): TableColumn =>
  column('Images', 'Images referenced by each container in the template.', { priority: 1 });

/** translateTimestampSince: the age of a timestamp, `<unknown>` when unset. */
export function since(timestamp: string | null | undefined, now: Date): string {
  if (!timestamp) return '<unknown>';
  const t = Date.parse(timestamp);
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now.getTime() - t);
}

export const age = (obj: KubeObject, now: Date): string => since(obj.metadata.creationTimestamp, now);

/** Metadata checks: full on create; immutability and formats on update (as ValidateXUpdate). */
export function validateMeta(
  obj: KubeObject,
  old: KubeObject | undefined,
  opts: { namespaced: boolean; validateName: (name: string) => string[] },
): FieldError[] {
  return old ? validateObjectMetaUpdate(obj.metadata, old.metadata) : validateObjectMeta(obj.metadata, opts);
}

/** The cells `kubectl get -o wide` shows for a pod template's containers: names, images. */
export function containerCells(containers: { name?: string; image?: string }[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name ?? '').join(','), list.map((c) => c.image ?? '').join(',')];
}
