// ObjectMeta validation: names, labels and annotations checked against util/name-format.ts.
// Messages are Kubernetes 1.32's word for word (api/validation/objectmeta.go) because kubectl
// prints them to users unchanged.

import { field, type FieldError } from '../../util/status-errors.js';
import type { ObjectMeta } from '../types.js';
import { byteLength, isDNS1123Label, isQualifiedName, isValidLabelValue } from '../../util/name-format.js';

const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export const FIELD_IMMUTABLE = 'field is immutable';

/** Field errors for a string checked by one of util/name-format.ts's `is*` functions. */
export function invalidEach(path: string, value: string, msgs: string[]): FieldError[] {
  return msgs.map((m) => field.invalid(path, value, m));
}

export function validateLabels(labels: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    errs.push(...invalidEach(path, k, isQualifiedName(k)));
    errs.push(...invalidEach(path, v, isValidLabelValue(v)));
  }
  return errs;
}

export function validateAnnotations(annotations: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    // Annotation keys are qualified names in any case.
    errs.push(...invalidEach(path, k, isQualifiedName(k.toLowerCase())));
    size += byteLength(k) + byteLength(v);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(field.tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

function validateFinalizers(finalizers: string[] | undefined, path: string): FieldError[] {
  return (finalizers ?? []).flatMap((f) => invalidEach(path, f, isQualifiedName(f)));
}

function validateOwnerReferences(meta: ObjectMeta, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let controller = '';
  for (const ref of meta.ownerReferences ?? []) {
    const version = (ref.apiVersion ?? '').split('/').pop() ?? '';
    if (!version) errs.push(field.invalid(`${path}.apiVersion`, ref.apiVersion ?? '', 'version must not be empty'));
    if (!ref.kind) errs.push(field.invalid(`${path}.kind`, ref.kind ?? '', 'must not be empty'));
    if (!ref.name) errs.push(field.invalid(`${path}.name`, ref.name ?? '', 'must not be empty'));
    if (!ref.uid) errs.push(field.invalid(`${path}.uid`, ref.uid ?? '', 'must not be empty'));
    if (ref.controller) {
      const current = `${ref.kind}/${ref.name}`;
      if (controller)
        errs.push(
          field.invalid(
            path,
            meta.ownerReferences,
            `Only one reference can have Controller set to true. Found "true" in references for ${controller} and ${current}`,
          ),
        );
      else controller = current;
    }
  }
  return errs;
}

/** The checks shared by create and update (labels, annotations, owners, finalizers). */
function validateMetaCommon(meta: ObjectMeta, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if ((meta.generation ?? 0) < 0)
    errs.push(field.invalid(`${path}.generation`, meta.generation, 'must be greater than or equal to 0'));
  errs.push(...validateLabels(meta.labels, `${path}.labels`));
  errs.push(...validateAnnotations(meta.annotations, `${path}.annotations`));
  errs.push(...validateOwnerReferences(meta, `${path}.ownerReferences`));
  errs.push(...validateFinalizers(meta.finalizers, `${path}.finalizers`));
  return errs;
}

export interface ObjectMetaOptions {
  namespaced: boolean;
  /** The kind's name rule, e.g. isDNS1123Subdomain; returns Kubernetes' messages. */
  validateName: (name: string) => string[];
}

/** Metadata on create. The REST layer has already turned generateName into a name. */
export function validateObjectMeta(
  meta: ObjectMeta | undefined,
  opts: ObjectMetaOptions,
  path = 'metadata',
): FieldError[] {
  const m = meta ?? {};
  const errs: FieldError[] = [];
  if (!m.name) errs.push(field.required(`${path}.name`, 'name or generateName is required'));
  else errs.push(...invalidEach(`${path}.name`, m.name, opts.validateName(m.name)));
  if (opts.namespaced) {
    if (!m.namespace) errs.push(field.required(`${path}.namespace`));
    else errs.push(...invalidEach(`${path}.namespace`, m.namespace, isDNS1123Label(m.namespace)));
  } else if (m.namespace) {
    errs.push(field.forbidden(`${path}.namespace`, 'not allowed on this type'));
  }
  errs.push(...validateMetaCommon(m, path));
  return errs;
}

/** An immutable field that changed. Values compare as JSON (they are strings and numbers). */
export function validateImmutable(value: unknown, old: unknown, path: string): FieldError[] {
  return JSON.stringify(value ?? null) === JSON.stringify(old ?? null) ? [] : [field.invalid(path, value, FIELD_IMMUTABLE)];
}

/** Metadata on update, against the stored object's. */
export function validateObjectMetaUpdate(meta: ObjectMeta, old: ObjectMeta, path = 'metadata'): FieldError[] {
  const errs: FieldError[] = [];
  if (old.deletionTimestamp) {
    const added = (meta.finalizers ?? []).filter((f) => !(old.finalizers ?? []).includes(f));
    if (added.length > 0)
      errs.push(
        field.forbidden(
          `${path}.finalizers`,
          `no new finalizers can be added if the object is being deleted, found new finalizers []string{${[...new Set(added)]
            .sort()
            .map((f) => JSON.stringify(f))
            .join(', ')}}`,
        ),
      );
  }
  if ((meta.generation ?? 0) < (old.generation ?? 0))
    errs.push(field.invalid(`${path}.generation`, meta.generation ?? 0, 'must not be decremented'));
  for (const key of ['name', 'namespace', 'uid', 'creationTimestamp', 'deletionTimestamp'] as const)
    errs.push(...validateImmutable(meta[key] ?? '', old[key] ?? '', `${path}.${key}`));
  errs.push(
    ...validateImmutable(meta.deletionGracePeriodSeconds, old.deletionGracePeriodSeconds, `${path}.deletionGracePeriodSeconds`),
  );
  errs.push(...validateMetaCommon(meta, path));
  return errs;
}
